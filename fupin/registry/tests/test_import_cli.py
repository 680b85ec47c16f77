"""`fupin import` and `fupin export` on the command line: exit codes, report formats, the errors file."""

from __future__ import annotations

import json

import pytest
from python_calamine import CalamineWorkbook

from fupin import cli
from fupin.accounts.models import AuditEntry
from fupin.registry.models import Household
from fupin.registry.tests.conftest import registry_state, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_io_commands(monkeypatch):
    """Run the real dispatcher with just this module's commands (others may not import here)."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("fupin.cli.registry_io",))


@pytest.fixture
def files(tree, rows, write_files):
    m1, e1 = rows.household("H1")
    m2, e2 = rows.household("H2", status="exited")
    return m1 + m2, e1 + e2


def test_import_writes_and_exits_0(files, write_files, capsys):
    mp, ep = write_files(*files)
    code = cli.main(["import", str(mp), "--events", str(ep), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "结果：已全部写入" in out and "新增 2" in out
    assert Household.objects.count() == 2


def test_import_with_problems_exits_2_and_lists_them(files, write_files, capsys):
    members, events = files
    members[1]["证件号码"] = members[1]["证件号码"][:17] + "Z"
    mp, ep = write_files(members, events)
    before = registry_state()
    code = cli.main(["import", str(mp), "--events", str(ep), "--quiet"])
    out = capsys.readouterr().out
    assert code == 2
    assert "未写入任何数据" in out and "家庭成员  3" in out and "证件号码" in out
    assert registry_state() == before


def test_keep_good_exits_1(files, write_files, capsys):
    members, events = files
    for r in members[3:]:
        r["贫困户属性"] = "?"
    mp, ep = write_files(members, events)
    code = cli.main(["import", str(mp), "--events", str(ep), "--keep-good", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert "未导入的户：H2" in out
    assert list(Household.objects.values_list("household_no", flat=True)) == ["H1"]


def test_json_report_and_errors_file(files, write_files, capsys, tmp_path):
    members, events = files
    members[0]["工资性收入"] = "-1"
    mp, ep = write_files(members, events)
    errors = tmp_path / "problems.xlsx"
    code = cli.main(
        [
            "import",
            str(mp),
            "--events",
            str(ep),
            "--format",
            "json",
            "--quiet",
            "--errors",
            str(errors),
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 2 and data["exit_code"] == 2 and data["outcome"] == "rejected"
    assert data["problems"][0]["row"] == 2 and data["problems"][0]["column"] == "工资性收入"
    rows = CalamineWorkbook.from_path(str(errors)).get_sheet_by_name("导入问题").to_python()
    assert rows[0][:3] == ["表", "行号", "列"]
    assert rows[1][1] == 2 and rows[1][2] == "工资性收入" and "负数" in rows[1][5]


def test_errors_file_as_csv(files, write_files, tmp_path, capsys):
    members, events = files
    members[0]["性别"] = "?"
    mp, ep = write_files(members, events)
    errors = tmp_path / "problems.csv"
    cli.main(["import", str(mp), "--events", str(ep), "--quiet", "--errors", str(errors)])
    text = errors.read_text("utf-8-sig")
    assert "家庭成员,2,性别,?,H1," in text


def test_dry_run_exits_0_and_writes_nothing(files, write_files, capsys):
    mp, ep = write_files(*files)
    before = registry_state()
    code = cli.main(["import", str(mp), "--events", str(ep), "--dry-run", "--quiet"])
    assert code == 0
    assert "试运行" in capsys.readouterr().out
    assert registry_state() == before


def test_xlsx_import_reads_the_events_sheet(files, tmp_path, capsys):
    path = write_xlsx(tmp_path / "r.xlsx", *files)
    assert cli.main(["import", str(path), "--quiet", "--actor", "县扶贫办"]) == 0
    assert set(AuditEntry.objects.values_list("actor", flat=True)) == {"县扶贫办"}


def test_missing_file_is_a_one_line_error(db, tmp_path, capsys):
    code = cli.main(["import", str(tmp_path / "nope.csv")])
    assert code == 2
    assert "fupin import: error: 文件不存在" in capsys.readouterr().err


def test_export_then_import_on_the_command_line(files, write_files, tmp_path, capsys):
    mp, ep = write_files(*files)
    cli.main(["import", str(mp), "--events", str(ep), "--quiet"])
    out_dir = tmp_path / "out"
    assert cli.main(["export", str(out_dir), "--format", "csv", "--full-ids", "--quiet"]) == 0
    assert "已导出 2 户 6 人" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_ID).count() == 1
    assert cli.main(["import", str(out_dir), "--quiet"]) == 0
    assert "无变化 2" in capsys.readouterr().out


def test_export_bad_region_is_an_error(files, tmp_path, capsys):
    assert cli.main(["export", str(tmp_path / "x.xlsx"), "--region", "000000000000"]) == 2
    assert "不存在" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["import", "export"])
def test_help_is_bilingual(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert "--full-ids" in out or "--keep-good" in out
    if command == "import":
        assert "退出码 exit codes" in out and "--keep-good" in out


def test_warnings_are_listed_imported_and_refused_with_strict(files, write_files, tmp_path, capsys):
    members, events = files
    for r in members:
        if r["户编号"] == members[0]["户编号"]:
            r["人均纯收入"] = "1"
    mp, ep = write_files(members, events)
    errors = tmp_path / "problems.csv"
    code = cli.main(
        ["import", str(mp), "--events", str(ep), "--quiet", "--errors", str(errors), "--dry-run"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "提醒 1 条" in out and "人均纯收入 1 与家庭纯收入" in out
    assert "已导入（提醒）" in errors.read_text("utf-8-sig")
    code = cli.main(["import", str(mp), "--events", str(ep), "--quiet", "--strict"])
    out = capsys.readouterr().out
    assert code == 2 and "严格模式不导入此户" in out
    assert Household.objects.count() == 0
