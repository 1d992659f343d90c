"""Labels in three scripts: catalogue completeness, OpenCC with the plan's glossary, data-driven names."""

import re

import pytest

from helpers.data import allowed_values, load_dataset
from helpers.i18n import LANGS, Labels, MissingTranslationError, check_lang, load_catalogue, to_simplified

# Latin words allowed inside Chinese labels: currency codes, unit and programme names the source prints.
LATIN_ALLOWED = {"CNY", "USD", "ITER", "ICT", "BCI", "km", "R&D"}


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_every_message_has_english_and_traditional_text():
    catalogue = load_catalogue()
    assert len(catalogue) > 50
    for key, entry in catalogue.items():
        assert entry.get("en"), f"message {key!r} has no English text"
        assert entry.get("zh-Hant"), f"message {key!r} has no Traditional Chinese text"


def test_chinese_messages_hold_no_untranslated_english():
    for key, entry in load_catalogue().items():
        text = re.sub(r"\{[^}]*\}", "", entry["zh-Hant"])  # placeholders are filled at run time
        text = re.sub(r"[\w/]+\.(csv|yml)", "", text)  # file names of the data are not words to translate
        words = set(re.findall(r"[A-Za-z][A-Za-z&]{2,}", text))
        assert words <= LATIN_ALLOWED, (
            f"message {key!r} keeps English words {words - LATIN_ALLOWED} in zh-Hant"
        )


def test_glossary_gives_the_plans_terms():
    # the plan writes 脑机接口; plain OpenCC keeps 介面 or gives 界面
    assert to_simplified("腦機介面") == "脑机接口"
    assert to_simplified("腦機接口") == "脑机接口"
    assert to_simplified("具身成為智能") == "具身智能"
    assert to_simplified("蘇州的量子晶片") == "苏州的量子芯片"


def test_sector_names_follow_the_plan_in_simplified(dataset):
    simplified = Labels("zh-Hans", dataset)
    plan = {"quantum": "量子科技", "biomanufacturing": "生物制造", "hydrogen_fusion": "氢能和核聚变能",
            "bci": "脑机接口", "embodied_ai": "具身智能", "6g": "第六代移动通信"}  # fmt: skip
    for sector, name in plan.items():
        assert simplified.sector(sector) == name


def test_names_come_from_the_data(dataset):
    assert Labels("en", dataset).city("jinan") == "Jinan"
    assert Labels("zh-Hant", dataset).city("jinan") == "濟南"
    assert Labels("zh-Hans", dataset).city("jinan") == "济南"
    assert Labels("zh-Hans", dataset).district("bio_changping_revenue_2024") == "昌平区"


def test_every_label_of_the_data_exists_in_every_language(dataset):
    for lang in LANGS:
        labels = Labels(lang, dataset)
        for role in allowed_values("city_roles", "role"):  # every allowed value, not only those in use
            labels.role(role)
        for tags in dataset.city_roles["focus_tags"]:
            for tag in tags.split(";"):
                labels(f"focus_{tag}")
        for measure in allowed_values("facts", "measure"):
            labels.measure(measure)
        for kind in allowed_values("facts", "kind"):
            labels.kind(kind)
        for region in dataset.cities["region"].unique():
            labels.region(region)
        for scenario in dataset.assumptions["scenarios"]:
            labels.scenario(scenario)


def test_missing_message_is_an_error(dataset):
    with pytest.raises(MissingTranslationError, match="no_such_key"):
        Labels("zh-Hant", dataset)("no_such_key")
    with pytest.raises(MissingTranslationError, match="atlantis"):
        Labels("en", dataset).city("atlantis")


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="zh-Hant"):
        check_lang("fr")


# Taiwan usage -> the mainland form a reader in the People's Republic expects (checked by hand against
# mainland usage: 数据来源 on statistical releases, 增长率 in the NBS communiqués, 蒙特卡洛 and 归一化 in
# mainland textbooks, 赫芬达尔指数 in the literature on industrial concentration).
TAIWAN_TO_MAINLAND = {
    "资料来源": "数据来源",
    "成长": "增长",
    "蒙地卡罗": "蒙特卡洛",
    "正规化": "归一化",
    "赫氏指数": "赫芬达尔指数",
    "年增率": "年增长率",
    "情境": "情景",
    "推估": "推算",
}


def test_simplified_labels_use_mainland_terms_not_taiwan_ones():
    from helpers.i18n import to_simplified

    labels = [to_simplified(entry["zh-Hant"]) for entry in load_catalogue().values()]
    for taiwan, mainland in TAIWAN_TO_MAINLAND.items():
        assert not [text for text in labels if taiwan in text], taiwan
        assert any(mainland in text for text in labels), mainland


def test_mainland_conversion_keeps_economic_terms_intact():
    from helpers.i18n import to_simplified

    # OpenCC's tw2sp would give 核企业, 指针 and 添加 here: the package keeps t2s plus its glossary
    assert to_simplified("核心企業、指標與新增企業") == "核心企业、指标与新增企业"
    assert to_simplified("所選城市無資料") == "所选城市无数据"
