"""The registry template an office fills in: Chinese headers, one example row per kind, drop-down
lists for 类型 and 平台, and a 填写说明 sheet in Chinese. Headers, sheet names and platform names come
from the registry's vocabulary (``crawlers/data/registry_columns.toml``), so what the template
writes is exactly what the importer reads."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from crawlers.registry_vocab import KNOWN_COLUMNS, REQUIRED_COLUMNS, vocabulary
from crawlers.thresholds import load_thresholds

#: what each column holds, for the 填写说明 sheet
COLUMN_HELP: dict[str, str] = {
    "id": "每个网站或账号唯一的编号，跨季度保持不变（整改复查按编号对应）。",
    "kind": "网站 或 账号（也可写 site / account）。",
    "name": "网站名称或账号名称，按备案或注册名称填写。",
    "owner": "主办单位（网站）或开办主体、运营单位（账号）。",
    "region": "所属地区，例如 苏州市、苏州市吴中区；通报按地区统计。",
    "url": "网站首页或账号主页的完整网址，以 http:// 或 https:// 开头，不得包含用户名、密码。",
    "platform": "仅账号填写：{platforms}。网站此列留空。",
    "account_id": "仅账号填写：平台上的账号ID（如微博数字ID）。网址已能识别账号时可留空，否则必填。",
    "site_code": "仅网站填写：{length}位网站标识码（见网站页脚）。",
    "account_type": "仅微信公众号填写：订阅号 或 服务号；留空按订阅号计（重大信息转载时限：订阅号不得滞后1个工作日）。",
}

NOTES = (
    "只读取第一个工作表（{sheet}）；本说明表不会被导入，其他工作表会被提示忽略。",
    "第一行可以是标题（如“2025年全省政府网站名录”），表头放在其下一行即可。",
    "带 * 的列为必填项。示例行（编号以“{prefix}”开头）请删除后再导入。",
    "公式单元格须在 Excel 或 WPS 中打开并保存一次，保存其计算结果，否则导入时会提示。",
    "填写完成后先运行 govpatrol targets check 文件名.xlsx 检查，问题会逐条指出行号和列名。",
)


def examples(site_code_length: int) -> list[dict[str, str]]:
    prefix = str(vocabulary().template["example_id_prefix"])
    site_code = "3205000001"[:site_code_length].ljust(site_code_length, "0")
    return [
        {
            "id": f"{prefix}-网站-001",
            "kind": "网站",
            "name": "某市人民政府",
            "owner": "某市人民政府办公室",
            "region": "某市",
            "url": "https://www.example.gov.cn/",
            "platform": "",
            "account_id": "",
            "site_code": site_code,
            "account_type": "",
        },
        {
            "id": f"{prefix}-账号-001",
            "kind": "账号",
            "name": "某市发布",
            "owner": "某市委宣传部",
            "region": "某市",
            "url": "https://weibo.com/u/1234567890",
            "platform": vocabulary().platform_names["weibo"],
            "account_id": "1234567890",
            "site_code": "",
            "account_type": "",
        },
    ]


def write_template(path: Path, *, indicators: str | Path | None = None) -> Path:
    """Write the template XLSX to ``path``."""
    vocab = vocabulary()
    headers: dict[str, str] = vocab.template["headers"]
    length = int(load_thresholds(indicators)["SITE-REQ-FOOTER-MARKS"]["site_code_length"])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(vocab.template["sheet"])
    sheet.append([headers[c] + ("*" if c in REQUIRED_COLUMNS else "") for c in KNOWN_COLUMNS])
    for row in examples(length):
        sheet.append([row[c] for c in KNOWN_COLUMNS])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    for letter, width in zip("ABCDEFGHIJ", (16, 8, 24, 24, 14, 36, 12, 18, 14, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    kinds = DataValidation(type="list", formula1='"网站,账号"', allow_blank=False)
    names = ",".join(vocab.platform_names.values())
    platforms = DataValidation(type="list", formula1=f'"{names}"', allow_blank=True)
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(platforms)
    kinds.add("B2:B5000")
    platforms.add("G2:G5000")
    _instructions(book, headers, length)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _instructions(book: Workbook, headers: dict[str, str], length: int) -> None:
    vocab = vocabulary()
    sheet = book.create_sheet(str(vocab.template["instructions_sheet"]))
    sheet.append(["政务巡网 目标清单填写说明"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(["列名", "是否必填", "填写要求"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    platforms = "、".join(vocab.platform_names.values())
    for column in KNOWN_COLUMNS:
        required = "必填" if column in REQUIRED_COLUMNS else "选填"
        text = COLUMN_HELP[column].format(platforms=platforms, length=length)
        sheet.append([headers[column], required, text])
    sheet.append([])
    sheet.append(["注意事项"])
    sheet[sheet.max_row][0].font = Font(bold=True)
    prefix, first = vocab.template["example_id_prefix"], vocab.template["sheet"]
    for n, note in enumerate(NOTES, start=1):
        sheet.append([f"{n}. " + note.format(sheet=first, prefix=prefix)])
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 90
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
