"""Click's own texts (usage, help, errors) in Traditional Chinese.

Click marks every text it shows with gettext: each of its modules does
``from gettext import gettext as _`` (and ``ngettext``) and calls ``_()`` when
the text is shown.  ``install()`` points those names, in click's modules only,
at the table below, so the whole process's gettext domain is left alone.  The
table holds every message id of click 8.1 to 8.5; ``tests/test_cli_zh.py`` reads
the installed click's source and fails on any id the table lacks, so a new click
release cannot bring English back unnoticed.  The type names that click puts into
its messages and metavars are plain class attributes; they are translated here too.
"""

from __future__ import annotations

import gettext
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

MESSAGES: dict[str, str] = {
    # usage and help
    "Usage:": "用法：",
    "Options": "選項",
    "Commands": "指令",
    "Positional arguments": "位置參數",
    "Show this message and exit.": "顯示此說明後結束。",
    "Show the version and exit.": "顯示版本後結束。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "default: {default}": "預設：{default}",
    "env var: {var}": "環境變數：{var}",
    "required": "必填",
    "(dynamic)": "（動態）",
    "deprecated": "已停用",
    "(Deprecated) {text}": "（已停用）{text}",
    "{text} {deprecated_message}": "{text} {deprecated_message}",
    "Confirm the action without prompting.": "不詢問，直接確認。",
    "Do you want to continue?": "要繼續嗎？",
    "Choose from:\n\t{choices}": "請從下列選擇：\n\t{choices}",
    "Choice({choices})": "選項（{choices}）",
    # errors shown to the user
    "Error: {message}": "錯誤：{message}",
    "Error: {e.message}": "錯誤：{e.message}",
    "Try '{command} {option}' for help.": "請執行「{command} {option}」查看說明。",
    "Aborted!": "已中止。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不正確：{message}",
    "Invalid value: {message}": "值不正確：{message}",
    "Missing argument": "缺少參數",
    "Missing option": "缺少選項",
    "Missing parameter": "缺少參數",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少參數：{param_name}",
    "Missing command.": "缺少指令。",
    "No such command {name!r}.": "沒有「{name}」這個指令。",
    "No such option: {name}": "沒有這個選項：{name}",
    "No such option {name!r}.": "沒有「{name}」這個選項。",
    "Did you mean {possibility}?": "是否為 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否為其中之一：{possibilities}？）",
    "(Possible options: {possibilities})": "（可用的選項：{possibilities}）",
    "Got unexpected extra argument ({args})": "多了一個無法辨識的參數（{args}）",
    "Got unexpected extra arguments ({args})": "多了無法辨識的參數（{args}）",
    "Option {name!r} does not take a value.": "選項 {name} 不接受值。",
    "Option {name!r} requires an argument.": "選項 {name} 需要一個值。",
    "Option {name!r} requires {nargs} arguments.": "選項 {name} 需要 {nargs} 個值。",
    "Argument {name!r} takes {nargs} values.": "參數 {name} 需要 {nargs} 個值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 個值，但只給了 1 個。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 個值，但給了 {len} 個。",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 個值，但給了 {len_value} 個。",
    "{len_type} values are required, but {len_value} were given.": "需要 {len_type} 個值，但給了 {len_value} 個。",
    "Value must be an iterable.": "值必須是清單。",
    "Invalid start character for option ({option})": "選項開頭的字元不正確（{option}）",
    "Could not open file {filename!r}: {message}": "無法開啟檔案「{filename}」：{message}",
    "{name} {filename!r} does not exist.": "{name}「{filename}」不存在。",
    "{name} {filename!r} is a file.": "{name}「{filename}」是檔案，不是資料夾。",
    "{name} {filename!r} is a directory.": "{name}「{filename}」是資料夾，不是檔案。",
    "{name} '{filename}' is a directory.": "{name}「{filename}」是資料夾，不是檔案。",
    "{name} {filename!r} is not readable.": "{name}「{filename}」無法讀取。",
    "{name} {filename!r} is not writable.": "{name}「{filename}」無法寫入。",
    "{name} {filename!r} is not executable.": "{name}「{filename}」無法執行。",
    "file": "檔案",
    "directory": "資料夾",
    "path": "路徑",
    "{value!r} is not a valid {number_type}.": "「{value}」不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在範圍 {range} 內。",
    "{value!r} is not one of {choices}.": "「{value}」不是下列之一：{choices}。",
    "{value!r} is not {choice}.": "「{value}」不是 {choice}。",
    "{value!r} is not a valid boolean.": "「{value}」不是有效的是非值。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "「{value}」不是有效的是非值。可用的值：{states}",
    "{value!r} is not a valid UUID.": "「{value}」不是有效的 UUID。",
    "{value!r} does not match the format {format}.": "「{value}」不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "「{value}」不符合下列任一格式：{formats}。",
    "Error: The value you entered was invalid.": "錯誤：輸入的值不正確。",
    "Error: invalid input": "錯誤：輸入不正確",
    "Error: The two entered values do not match.": "錯誤：兩次輸入的值不相同。",
    "Repeat for confirmation": "請再輸入一次以確認",
    "Press any key to continue...": "請按任意鍵繼續…",
    "unknown error": "不明的錯誤",
    "Windows error: {error}": "Windows 錯誤：{error}",
    "{editor}: Editing failed": "{editor}：編輯失敗",
    "{editor}: Editing failed: {e}": "{editor}：編輯失敗：{e}",
    "Unknown color {colour!r}": "不認得的顏色「{colour}」",
    "Unknown standard stream '{name}'": "不認得的標準串流「{name}」",
    "Couldn't detect Bash version, shell completion is not supported.": "無法判斷 Bash 版本，不支援自動完成。",
    "Shell completion is not supported for Bash versions older than 4.4.": "Bash 4.4 之前的版本不支援自動完成。",
    "DeprecationWarning: The command {name!r} is deprecated.": "注意：指令「{name}」已停用。",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "注意：指令「{name}」已停用。{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "注意：{param_type}「{name}」已停用。{extra_message}"
    ),
    # for the program's developers (a command or option declared wrongly), kept readable
    "Arguments take exactly one parameter declaration, got {length}: {decls}.": (
        "參數只能有一個宣告，收到 {length} 個：{decls}。"
    ),
    "Boolean option {decl!r} cannot use the same flag for true/false.": "是非選項 {decl} 的真假不能用同一個旗標。",
    "Could not determine name for option with declarations {decls!r}": "無法由宣告 {decls} 決定選項名稱",
    "Name '{name}' defined twice": "名稱「{name}」定義了兩次",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?": "沒有定義選項卻給了名稱（{name}）：是要宣告參數，或是 '--{name}'？",
    "d": "d",
}

# Words click puts into messages and metavars through class attributes, not gettext.
TYPE_NAMES: dict[str, str] = {
    "IntParamType": "整數",
    "IntRange": "整數",
    "FloatParamType": "數字",
    "FloatRange": "數字",
    "BoolParamType": "是非值",
    "StringParamType": "文字",
    "UUIDParameterType": "UUID",
    "Choice": "選項",
    "DateTime": "日期時間",
    "File": "檔案",
    "Path": "路徑",
}


OPTIONS_METAVAR = "[選項]"
SUBCOMMAND_METAVAR = "指令 [參數]..."


def translate(message: str) -> str:
    """The Chinese text of one of click's messages (the message itself when unknown)."""
    return MESSAGES.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    """``ngettext`` for click's messages: Chinese has no plural, the form is chosen as in English."""
    return translate(singular if n == 1 else plural)


def install() -> None:
    """Show click's texts in Chinese from now on (idempotent; click's modules only)."""
    import click
    import click.types

    replacements: dict[Callable[..., str], Callable[..., str]] = {
        gettext.gettext: translate,
        gettext.ngettext: translate_plural,
    }
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "click" or name.startswith("click.")):
            continue
        for attribute in ("_", "ngettext"):
            current = getattr(module, attribute, None)
            if current in replacements:
                setattr(module, attribute, replacements[current])
    for class_name, label in TYPE_NAMES.items():
        cls = getattr(click.types, class_name, None)
        if (
            isinstance(cls, type)
            and issubclass(cls, click.types.ParamType)
            and isinstance(getattr(cls, "name", None), str)
        ):
            cls.name = label


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def command_classes() -> tuple[type[click.Command], type[click.Group]]:
    """(Command, Group) classes whose usage line names options and commands in Chinese
    (click writes ``[OPTIONS]`` and ``COMMAND [ARGS]...`` as plain defaults, not gettext)
    and whose help lines up Chinese metavars (click counts characters, not columns)."""
    import click
    from click.formatting import wrap_text

    class HelpFormatter(click.HelpFormatter):
        """Click's help layout, measured in terminal columns."""

        def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
            rows = list(rows)
            first = min(max((display_width(term) for term, _ in rows), default=0), col_max)
            indent = " " * (first + col_spacing + self.current_indent)
            for term, text in rows:
                self.write(f"{'':>{self.current_indent}}{term}")
                if not text:
                    self.write("\n")
                    continue
                if display_width(term) <= first:
                    self.write(" " * (first - display_width(term) + col_spacing))
                else:
                    self.write("\n" + indent)
                lines = wrap_text(text, max(self.width - first - col_spacing, 10), preserve_paragraphs=True)
                self.write("\n".join(lines.splitlines()).replace("\n", "\n" + indent) + "\n")

    class Context(click.Context):
        """A click context that lays help out with the formatter above."""

        formatter_class = HelpFormatter

    class Command(click.Command):
        """A click command with the Chinese usage line."""

        context_class = Context

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
            super().__init__(*args, **kwargs)

    class Group(click.Group):
        """A click group with the Chinese usage line; its commands too."""

        command_class = Command
        context_class = Context

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
            kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
            super().__init__(*args, **kwargs)

    return Command, Group
