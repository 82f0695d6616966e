"""The field's words: codes used in data, Chinese labels shown to people."""
from __future__ import annotations

SUBJECTS = {"individual": "个人", "team": "领导班子", "unit": "单位"}
SEVERITIES = {"minor": "一般", "structural": "体制机制", "serious": "严重（问题线索）"}
CATEGORIES = {
    "political": "政治建设",
    "selection": "选人用人",
    "duty": "担当作为",
    "conduct": "作风纪律",
    "integrity": "廉洁",
    "personal_matters": "个人有关事项",
    "team": "班子建设",
    "supervision": "日常监督",
    "party_building": "党的建设",
    "finance": "财务与资产",
    "rectification": "整改落实",
    "other": "其他",
}
ROUTES = {
    "reminder_talk": "提醒谈话",
    "team_adjustment": "班子调整",
    "discipline_referral": "移交纪检监察机关",
    "rectification": "整改任务",
    "admonishment_talk": "诫勉谈话",
    "supervised_rectification": "立项督查",
}
# a task's kind beside its route (models/routing.yaml task_kinds); no kind: the route's ordinary task
TASK_KINDS = {"team_own": "班子自身整改"}
STATED = {"done": "已完成", "in_progress": "正在整改", "unclear": "未说明"}
# the statistics of a rectification report that the figures check compares with the ledger
FIGURES = {"problems_total": "反馈问题", "problems_rectified": "已完成整改", "problems_in_progress": "正在整改",
           "clues_transferred": "移交问题线索", "reminder_talk": "提醒谈话", "admonishment": "诫勉",
           "criticism_education": "批评教育"}
COLOURS = {"green": "正常", "yellow": "临期", "red": "逾期"}
DEADLINE_SOURCES = {"stated": "原文所定期限", "document": "文件统一期限", "long_term": "长期坚持（定期复查）",
                    "routing": "分流表默认期限", "extended": "批准延期"}
KINDS = {"feedback": "反馈意见", "rectification": "整改通报", "speech": "讲话", "news": "新闻",
         "case_bulletin": "典型案例通报", "plan": "工作方案或计划", "other": "其他"}
DOC_STATUS = {"ingested": "已处理", "warning": "已处理（有提示）", "rejected": "已隔离",
              "duplicate": "重复文件", "skipped": "未处理"}
TASK_STATUSES = ("待办", "进行中", "待销号", "已销号", "延期", "撤销", "待复核")
FINDING_STATES = {"active": "有效", "rejected": "已驳回", "vanished": "规则更新后未再识别", "split": "已拆分"}
REVIEW_STATES = {"pending": "待审核", "accepted": "已确认", "corrected": "已修改", "rejected": "已驳回"}
# what a reviewer may correct on a finding, and how its name reads to people
FIELDS = {"subject": "问题主体", "person": "人员", "post": "职务", "unit": "单位", "category": "问题类别",
          "severity": "严重程度", "route": "分流方式"}
