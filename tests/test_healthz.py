"""`/healthz` says whether the database answers, without logging in and without caching."""

from unittest import mock

from django.db import OperationalError


def test_healthz_answers_200_when_the_database_is_reachable(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert "no-cache" in r["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_not(client, db):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "database": "unreachable"}
