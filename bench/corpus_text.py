"""Invented report text for the throughput benchmarks: varied, so that no cache of a repeated
sentence flatters a figure.

A page is eight short paragraphs drawn (seeded) from invented shapes: problem paragraphs naming two or
three problems of units, teams or (masked) officials, paragraphs of requirements (要…、坚决防止…),
negations (未发现…) and background. Numbers, units, years and names vary, so nearly every
sentence of a 1,000-page document is distinct, as in a real batch of reports.
"""
from __future__ import annotations

import random

TITLE = "关于对某县某局党组开展巡察的反馈意见"
UNITS = ["县交通运输局", "县自然资源局", "县卫生健康局", "县市场监管局", "县文化旅游局", "县商务局",
         "县林业局", "县统计局", "县档案馆", "县供销社", "县信访局", "县应急管理局"]
POSTS = ["副局长", "办公室主任", "财务股股长", "执法大队队长", "规划股副股长", "人事股股长", "中心主任"]
SURNAMES = "赵钱孙李周吴郑冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜"
PROBLEMS = [
    "落实{u}年度重点任务推进迟缓，{n}项工作未按期完成",
    "对“三重一大”事项集体决策执行不严，{n}项大额支出未经集体研究",
    "财务管理制度执行不严，{y}年有{n}笔支出报销手续不全",
    "政府采购管理不规范，{n}个项目拆分采购规避公开招标",
    "公务用车管理不规范，{n}辆车辆未按规定登记使用",
    "干部选拔任用程序执行不严格，{n}名干部试用期满未及时考核",
    "班子成员之间沟通不畅，遇事相互推诿",
    "领导班子配备不齐，{n}名副职岗位空缺",
    "基层党组织建设薄弱，{n}个支部未按期换届",
    "意识形态工作责任制落实不到位，阵地管理存在薄弱环节",
    "对下属单位监督不力，对{n}起违规问题未及时发现",
    "上轮巡察反馈的{n}个问题整改不到位",
    "形式主义问题仍然存在，部分检查重台账轻实效",
    "安全生产监管存在漏洞，{n}处隐患未按期整治",
]
PERSONAL = [
    "{post}{name}工作作风漂浮，对群众诉求回应不及时",
    "{post}{name}未如实报告个人有关事项，漏报房产{n}处",
    "{post}{name}违规使用公车办理私事",
    "{post}{name}涉嫌在项目审批中收受服务对象财物",
]
OTHER = [
    "要进一步压实管党治党政治责任，坚决防止管理失之于宽、失之于软。",
    "必须严格执行财经纪律，坚决防止违规支出问题反弹回潮。",
    "巡察期间，巡察组共受理来信来访{n}件，召开座谈会{m}次，个别谈话{k}人次。",
    "经核查，未发现{u}存在违规发放津补贴问题。",
    "{u}党组高度重视巡察工作，主要负责同志主动汇报工作，为巡察提供了保障。",
    "要把整改作为重大政治任务，建立整改台账，明确责任单位和完成时限。",
    "对巡察发现的问题线索，已按规定移交县纪委监委处理。",
]


def _problem(rnd: random.Random) -> str:
    if rnd.random() < 0.25:
        return rnd.choice(PERSONAL).format(post=rnd.choice(POSTS), name=rnd.choice(SURNAMES) + "某某",
                                           n=rnd.randint(1, 4))
    return rnd.choice(PROBLEMS).format(u=rnd.choice(UNITS), n=rnd.randint(2, 40), y=rnd.randint(2019, 2025))


def paragraphs(pages: int, seed: int = 7) -> list[str]:
    """A title and eight paragraphs (about 700 characters) per page: about half state problems."""
    rnd = random.Random(seed)
    out = [TITLE]
    n = 0
    for _ in range(pages * 8):
        if rnd.random() < 0.5:
            n += 1
            probs = "；".join(_problem(rnd) for _ in range(rnd.randint(2, 3)))
            out.append(f"{n}.巡察发现，{rnd.choice(UNITS)}{probs}。"
                       f"{rnd.choice(OTHER).format(u=rnd.choice(UNITS), n=rnd.randint(2, 90), m=rnd.randint(2, 9), k=rnd.randint(10, 80))}")
        else:
            out.append("".join(rnd.choice(OTHER).format(u=rnd.choice(UNITS), n=rnd.randint(2, 90),
                                                        m=rnd.randint(2, 9), k=rnd.randint(10, 80))
                               for _ in range(2)))
    return out
