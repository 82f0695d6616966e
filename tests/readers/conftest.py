"""Documents built once per test session for the reader tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DEVSET  # noqa: F401  (re-exported for the reader tests)
from tests.fixtures.docs import make_report_docx, soffice_convert

# A 公文-style report long enough to run over several pages, with quote marks,
# a ruled table and a page-number footer.
BODY = [
    "中共某市委第九巡察组",
    "关于对某市某局党组开展巡察的反馈意见",
    "某市某局党组：",
    "根据市委统一部署，市委第九巡察组于2024年3月4日至4月26日对某市某局党组开展了常规巡察。"
    "巡察期间，共个别谈话65人次，受理信访件12件，调阅各类资料1200余份。",
    "一、巡察发现的主要问题",
    "（一）落实上级决策部署方面",
    "1.贯彻落实上级决策部署有差距。落实“放管服”改革要求打折扣，部分审批事项仍要求群众重复提交材料，"
    "2023年以来群众反映办事难问题14件，其中5件未及时回应。",
    "2.意识形态工作责任制落实不到位。未按要求每半年开展一次意识形态领域风险研判，对局属网站发布内容审核把关不严。",
    "（二）落实全面从严治党方面",
    "1.“三重一大”事项决策程序不规范，部分重大事项由“一把手”个人说了算，党组会议记录不完整。",
    "2.财务制度执行不严，存在白条入账、报销凭证不全等问题，2023年有17笔支出无审批手续即予报销。",
] + [
    f"{i}.巡察还发现，个别科室落实工作责任不到位，对群众反映的问题推诿扯皮，"
    f"办理时限超出规定{i}天以上，群众满意度不高，相关制度执行不严格，需要进一步加强管理和监督。"
    for i in range(3, 30)
] + [
    "二、整改要求",
    "请局党组认真研究巡察反馈意见，坚决防止整改不到位、敷衍整改。",
    "中共某市委第九巡察组",
    "2024年5月20日",
]
TABLE = [
    ["序号", "问题描述", "责任主体", "整改时限"],
    ["1", "落实上级关于数据安全管理的部署要求不到位，核心业务系统未按要求开展等级保护测评", "局党组", "2024年10月底"],
    ["2", "副局长王某某违规公车私用，周末驾驶公务用车办理私事", "王某某", "立行立改"],
]


def _need_soffice() -> None:
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed")


@pytest.fixture(scope="session")
def report_docx(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("report")
    return make_report_docx(d / "report.docx", BODY, table=TABLE, header="某市某局巡察反馈材料", page_footer=True)


@pytest.fixture(scope="session")
def report_pdf(report_docx, tmp_path_factory) -> Path:
    _need_soffice()
    return soffice_convert(report_docx, "pdf", tmp_path_factory.mktemp("report-pdf"))


@pytest.fixture(scope="session")
def report_scan(report_pdf, tmp_path_factory) -> Path:
    from tests.fixtures.docs import image_only_pdf

    return image_only_pdf(report_pdf, tmp_path_factory.mktemp("scan") / "report-scan.pdf", dpi=150)
