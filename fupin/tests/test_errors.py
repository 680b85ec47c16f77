"""Every refusal is one Chinese page that says why and links back (fupin/errors.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_township_user_asking_for_the_county_page_gets_a_chinese_404_with_a_way_back(
    client, world
):
    client.force_login(world.users["township_officer"])
    r = client.get("/regions/621126000000/", HTTP_REFERER="http://testserver/regions/621126100000/")
    page = r.content.decode()
    assert r.status_code == 404
    assert "找不到页面" in page and "不在您的权限范围内" in page
    assert 'href="http://testserver/regions/621126100000/"' in page  # back where the user was
    assert "Not Found" not in page


def test_an_english_reason_is_not_shown_and_another_site_is_not_linked(client, world):
    client.force_login(world.users["county_officer"])
    r = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/")
    page = r.content.decode()
    assert r.status_code == 404 and "evil.example" not in page
    assert "Resolver404" not in page and "这个页面不存在" in page


def test_a_refusal_shows_its_chinese_reason_and_hides_an_english_one(rf, world):
    from django.core.exceptions import PermissionDenied

    from fupin import errors

    request = rf.get("/cooperation/import/")
    request.user = world.users["cadre"]
    r = errors.permission_denied(
        request, PermissionDenied("只有省扶贫办或系统管理员可以导入结对关系")
    )
    page = r.content.decode()
    assert r.status_code == 403 and "无权访问" in page
    assert "只有省扶贫办或系统管理员可以导入结对关系" in page
    r = errors.permission_denied(request, PermissionDenied("not allowed"))
    assert (
        "not allowed" not in r.content.decode()
        and "没有办理此事或查看此页的权限" in r.content.decode()
    )


def test_a_server_error_is_a_chinese_page():
    from fupin import errors

    r = errors.server_error(None)  # type: ignore[arg-type]
    assert r.status_code == 500 and "服务器出错" in r.content.decode()
