"""Every text the trainer's app shows, in English and Chinese.

``t(key, lang)`` looks a label up; a missing key is a ``KeyError`` (a test
checks that every key has both languages). Intervention titles come from the
interventions themselves (``INTERVENTIONS[key].title``), not from here.
"""

from __future__ import annotations

LANGS = ("en", "zh")

TEXTS: dict[str, dict[str, str]] = {
    # page and controls
    "app_title": {"en": "govsim: community governance, side by side", "zh": "govsim：社区治理对照模拟"},
    "archetype": {"en": "Community archetype", "zh": "社区类型"},
    "seed": {"en": "Seed", "zh": "随机种子"},
    "step": {"en": "Step", "zh": "单步 Step"},
    "play": {"en": "Play", "zh": "播放 Play"},
    "pause": {"en": "Pause", "zh": "暂停 Pause"},
    "reset": {"en": "Reset", "zh": "重置 Reset"},
    "speed": {"en": "Speed (days per second)", "zh": "速度（天/秒）"},
    "day": {"en": "Day", "zh": "第几天"},
    "day_n": {"en": "Day {day}", "zh": "第 {day} 天"},
    "adults": {"en": "{n:,} adults", "zh": "{n:,} 名成年居民"},
    "remedies": {"en": "Remedies (switch on during a run)", "zh": "治理措施（运行中可开启）"},
    "remedy_off_note": {
        "en": "Switching a remedy off resets the run to day 0 with the remaining remedies.",
        "zh": "关闭一项措施会把模拟重置到第 0 天，保留其余措施。",
    },
    "sliders": {"en": "Community parameters (change resets to day 0)", "zh": "社区参数（修改后重置到第 0 天）"},
    "colour_by": {"en": "Colour residents by", "zh": "居民颜色表示"},
    "colour_engaged": {"en": "engagement", "zh": "参与状态"},
    "colour_trust": {"en": "trust in the community", "zh": "对社区的信任"},
    "show_ties": {"en": "Show ties", "zh": "显示关系"},
    "export": {"en": "Export", "zh": "导出"},
    "export_png": {"en": "Figures (PNG, zip)", "zh": "图表（PNG，压缩包）"},
    "export_html": {"en": "Figures (HTML)", "zh": "图表（HTML）"},
    "export_csv": {"en": "Run data (CSV)", "zh": "运行数据（CSV）"},
    "error": {"en": "Error", "zh": "错误"},
    # sides
    "baseline": {"en": "Baseline", "zh": "基线"},
    "remedy": {"en": "With remedies", "zh": "采取措施"},
    "difference": {"en": "Difference (remedies − baseline)", "zh": "差异（措施 − 基线）"},
    "no_remedy": {"en": "no remedy switched on", "zh": "未开启措施"},
    "since_day": {"en": "from day {day}", "zh": "自第 {day} 天起"},
    # sliders
    "slider.casework.admin_burden": {"en": "Administrative burden of the committee", "zh": "居委会行政负担"},
    "slider.community.stranger_index": {"en": "Stranger community index", "zh": "陌生人社区程度"},
    "slider.casework.wall_stall": {"en": "Departmental walls (daily stall chance)", "zh": "部门壁垒（每日停滞概率）"},
    "slider.population.party_share": {"en": "Share of Party members", "zh": "党员比例"},
    # charts
    "fig.community": {"en": "The community", "zh": "社区全景"},
    "fig.participation": {"en": "Participation by age group", "zh": "各年龄组参与率"},
    "fig.trust": {"en": "Trust by institution", "zh": "对各主体的信任"},
    "fig.issues": {"en": "Open issues and days to close", "zh": "未结诉求与办结天数"},
    "fig.diff": {"en": "Paired difference, remedies − baseline", "zh": "配对差异：措施 − 基线"},
    "fig.board": {"en": "Issue board: open cases by domain and handler", "zh": "诉求看板：按领域与承办方的未结案件"},
    "axis.day": {"en": "day", "zh": "天"},
    "axis.share": {"en": "share of adults", "zh": "成年居民比例"},
    "axis.trust": {"en": "mean trust (0–1)", "zh": "平均信任（0–1）"},
    "axis.issues": {"en": "open issues", "zh": "未结诉求数"},
    "axis.days": {"en": "median days to close", "zh": "办结天数中位数"},
    "axis.cases": {"en": "open cases", "zh": "未结案件数"},
    "axis.diff_pp": {"en": "percentage points", "zh": "百分点"},
    "axis.diff_trust": {"en": "trust difference", "zh": "信任差值"},
    "axis.diff_issues": {"en": "issues / days", "zh": "件数 / 天数"},
    # age groups, trust targets, issue metrics
    "age.young": {"en": "young (18–39)", "zh": "青年（18–39岁）"},
    "age.middle": {"en": "middle-aged (40–59)", "zh": "中年（40–59岁）"},
    "age.elderly": {"en": "elderly (60+)", "zh": "老年（60岁以上）"},
    "trust.community": {"en": "community", "zh": "社区"},
    "trust.government": {"en": "government", "zh": "政府"},
    "trust.property": {"en": "property company", "zh": "物业"},
    "trust.ngo": {"en": "NGOs", "zh": "社会组织"},
    "trust.neighbours": {"en": "neighbours", "zh": "邻里"},
    "metric.issues_open": {"en": "open issues", "zh": "未结诉求"},
    "metric.issue_resolution_days": {"en": "days to close", "zh": "办结天数"},
    "metric.issues_stalled": {"en": "stalled today", "zh": "今日停滞"},
    "metric.participation_rate": {"en": "participation (all)", "zh": "总参与率"},
    # the picture
    "legend.engaged": {"en": "engaged", "zh": "参与中"},
    "legend.not_engaged": {"en": "not engaged", "zh": "未参与"},
    "legend.party": {"en": "Party member", "zh": "党员"},
    "legend.model_household": {"en": "model household", "zh": "党员示范户"},
    "legend.ties": {"en": "ties", "zh": "邻里关系"},
    "legend.trust": {"en": "trust", "zh": "信任"},
    "legend.organisations": {"en": "organisations", "zh": "组织与单位"},
    "three_no": {"en": "three-no", "zh": "三无小区"},
    "sampled": {"en": "{shown:,} of {n:,} residents shown", "zh": "显示 {shown:,} / {n:,} 名居民"},
    # organisations
    "org.committee": {"en": "committee", "zh": "居委会"},
    "org.property_management": {"en": "property co.", "zh": "物业公司"},
    "org.government": {"en": "government", "zh": "政府部门"},
    "org.cultural_sports": {"en": "cultural-sports assoc.", "zh": "文体协会"},
    "org.social_work": {"en": "social-work agency", "zh": "社工机构"},
    "org.public_welfare": {"en": "public-welfare org.", "zh": "公益组织"},
    "org.resident_unit": {"en": "resident unit", "zh": "驻区单位"},
    "org.party_branch": {"en": "Party branch", "zh": "小区党支部"},
    # issue board
    "board.unreported": {"en": "not reported", "zh": "未反映"},
    "board.in_transit": {"en": "in transit", "zh": "转办中"},
    "board.committee": {"en": "at the committee", "zh": "居委会处理中"},
    "board.property_management": {"en": "at a property company", "zh": "物业处理中"},
    "board.government": {"en": "at a government unit", "zh": "政府部门处理中"},
    "board.stalled": {"en": "stalled between departments", "zh": "部门间停滞"},
    "domain.maintenance": {"en": "maintenance", "zh": "维修"},
    "domain.sanitation": {"en": "sanitation", "zh": "环境卫生"},
    "domain.safety": {"en": "safety", "zh": "治安"},
    "domain.dispute": {"en": "disputes", "zh": "邻里纠纷"},
    "domain.elderly_care": {"en": "elderly care", "zh": "养老服务"},
    "domain.property_service": {"en": "property service", "zh": "物业服务"},
    # table
    "table.metric": {"en": "metric", "zh": "指标"},
}

# Government units of the built-in scenarios; others show their scenario name.
UNIT_NAMES_ZH = {
    "street office": "街道办事处",
    "district housing bureau": "区住建局",
    "district sanitation bureau": "区环卫局",
    "public security sub-bureau": "公安分局",
    "city civil affairs bureau": "市民政局",
}


def t(key: str, lang: str, **fmt) -> str:
    """The text ``key`` in ``lang`` ("en" or "zh"), formatted with ``fmt``."""
    text = TEXTS[key][lang]
    return text.format(**fmt) if fmt else text


def unit_name(name: str, lang: str) -> str:
    """A government unit's name in ``lang`` (the scenario's name when no translation is known)."""
    return UNIT_NAMES_ZH.get(name, name) if lang == "zh" else name


def switch_label(lang: str) -> str:
    """The language switch shows the language it switches to."""
    return "English" if lang == "zh" else "中文"
