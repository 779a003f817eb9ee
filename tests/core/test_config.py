"""Config file, settings resolution, paths and redaction. Real files in tmp_path, no mocks."""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from siliconchat import config as cfg
from siliconchat import paths
from siliconchat.config import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MODEL,
    REGIONS,
    Config,
    ConfigError,
    Settings,
    load_config,
    resolve_settings,
    save_config,
)
from siliconchat.core.conversation import ModelParams
from siliconchat.core.costs import CURRENCY, Price
from siliconchat.core.sanitize import REDACTED, redact

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEY = "sk-" + "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv"  # the real shape: sk- + 48 letters
OTHER_KEY = "sk-" + "zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponmlkjihgfe"


def listing(folder: Path) -> list[str]:
    """The names in ``folder``, leaving out the XDG folders the autouse fixture puts in tmp_path."""
    return sorted(p.name for p in folder.iterdir() if p.name != "xdg")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- paths


def test_paths_follow_xdg_variables(isolated_dirs: dict[str, Path]) -> None:
    assert paths.config_file() == isolated_dirs["XDG_CONFIG_HOME"] / "siliconchat" / "config.toml"
    assert paths.data_dir() == isolated_dirs["XDG_DATA_HOME"] / "siliconchat"
    assert paths.history_db() == isolated_dirs["XDG_DATA_HOME"] / "siliconchat" / "history.db"
    assert paths.cache_dir() == isolated_dirs["XDG_CACHE_HOME"] / "siliconchat"
    assert paths.log_dir().is_relative_to(isolated_dirs["XDG_STATE_HOME"] / "siliconchat")
    assert paths.default_transcript_dir() == isolated_dirs["XDG_DOCUMENTS_DIR"] / "siliconchat"


def test_paths_are_computed_per_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))
    assert paths.history_db() == tmp_path / "elsewhere" / "siliconchat" / "history.db"


def test_documents_fall_back_to_home(isolated_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DOCUMENTS_DIR")
    assert paths.default_transcript_dir() == isolated_dirs["HOME"] / "Documents" / "siliconchat"


def test_paths_create_nothing(isolated_dirs: dict[str, Path]) -> None:
    for function in (
        paths.config_file,
        paths.data_dir,
        paths.history_db,
        paths.cache_dir,
        paths.log_dir,
        paths.default_transcript_dir,
    ):
        function()
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DOCUMENTS_DIR"):
        assert not isolated_dirs[name].exists()
    assert list(isolated_dirs["HOME"].iterdir()) == []


def test_config_env_overrides_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = write(tmp_path / "other.toml", 'model = "from/other"\n')
    monkeypatch.setenv("SILICONCHAT_CONFIG", str(other))
    assert paths.config_file() == other
    assert load_config().model == "from/other"
    assert load_config().path == other
    assert save_config({"theme": "nord"}) == other
    assert load_config(other).theme == "nord"
    monkeypatch.setenv("SILICONCHAT_CONFIG", "")
    assert paths.config_file().name == "config.toml"
    assert paths.config_file().parent.name == "siliconchat"


def test_ensure_dir_creates_private_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    assert paths.ensure_dir(target) == target
    assert target.is_dir()
    assert mode(target) == 0o700
    assert paths.ensure_dir(target) == target  # idempotent


def test_ensure_dir_keeps_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    paths.ensure_dir(target)
    assert mode(target) == 0o755


def test_ensure_dir_refuses_a_file(tmp_path: Path) -> None:
    target = write(tmp_path / "file", "x")
    with pytest.raises(FileExistsError):
        paths.ensure_dir(target)


# ---------------------------------------------------------------------------------------------- loading


def test_missing_file_gives_empty_config(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "config.toml"
    config = load_config(path)
    assert config == Config()
    assert config.path == path
    assert not path.parent.exists()


def test_default_location_is_used(isolated_dirs: dict[str, Path]) -> None:
    write(paths.config_file(), 'region = "cn"\n')
    config = load_config()
    assert config.region == "cn"
    assert config.path == isolated_dirs["XDG_CONFIG_HOME"] / "siliconchat" / "config.toml"


FULL_TOML = f"""
api_key = "{KEY}"
region = "global"
base_url = "https://example.com/v1/"
model = "deepseek-ai/DeepSeek-R1"
favourites = ["Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-8B"]
system_prompt = "Be brief.\\nVery brief."
temperature = 1
top_p = 0.9
max_tokens = 4096
enable_thinking = true
thinking_budget = 2048
idle_timeout = 30
theme = "nord"
transcript_dir = "~/notes"

[keymap]
quit = "ctrl+q"
"send message" = "ctrl+enter"
"""


def test_load_every_field(tmp_path: Path, isolated_dirs: dict[str, Path]) -> None:
    config = load_config(write(tmp_path / "c.toml", FULL_TOML))
    assert config == Config(
        api_key=KEY,
        region="global",
        base_url="https://example.com/v1",
        model="deepseek-ai/DeepSeek-R1",
        favourites=["Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-V3"],
        system_prompt="Be brief.\nVery brief.",
        temperature=1.0,
        top_p=0.9,
        max_tokens=4096,
        enable_thinking=True,
        thinking_budget=2048,
        idle_timeout=30.0,
        theme="nord",
        keymap={"quit": "ctrl+q", "send message": "ctrl+enter"},
        transcript_dir=isolated_dirs["HOME"] / "notes",
    )
    assert isinstance(config.temperature, float)
    assert isinstance(config.idle_timeout, float)


def test_empty_strings_mean_unset(tmp_path: Path) -> None:
    text = 'api_key = "  "\nregion = ""\nbase_url = ""\nmodel = ""\ntheme = ""\ntranscript_dir = ""\n'
    assert load_config(write(tmp_path / "c.toml", text)) == Config()


def test_pasted_key_is_stripped(tmp_path: Path) -> None:
    assert load_config(write(tmp_path / "c.toml", f'api_key = "  {KEY}\\n"\n')).api_key == KEY


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'\xef\xbb\xbfmodel = "m"\n')
    assert load_config(path).model == "m"


def test_load_never_modifies_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "unknown = 1\n" + FULL_TOML)
    path.chmod(0o644)
    before, before_mtime = path.read_bytes(), path.stat().st_mtime_ns
    load_config(path)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == before_mtime
    assert mode(path) == 0o644
    assert listing(tmp_path) == ["c.toml"]


MALFORMED = [
    ('model = "a"\ntheme = = "x"\n', 2, 9),
    ('model = "a"\n\n[keymap\nquit = "q"\n', 3, 8),
    ('model = "a"\nmodel = "b"\n', 2, None),
    ('system_prompt = "unterminated\n', 1, None),
]


@pytest.mark.parametrize(("text", "line", "column"), MALFORMED)
def test_malformed_toml_is_an_error_with_line(
    tmp_path: Path, text: str, line: int, column: int | None
) -> None:
    path = write(tmp_path / "config.toml", text)
    before = path.read_bytes()
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert error.path == path
    assert error.line == line
    if column is not None:
        assert error.column == column
    message = str(error)
    assert message.startswith(f"Cannot read config file {path} (line {line}")
    assert "invalid TOML" in message
    assert path.read_bytes() == before


def test_truncated_toml_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", 'model = "a')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    # tomllib and tomli (3.10) word the reason differently; both name the file and the line
    assert str(info.value).startswith(f"Cannot read config file {path} (line 1")
    assert "invalid TOML: " in str(info.value) and info.value.line == 1


def test_malformed_file_is_never_overwritten(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", f'api_key = "{KEY}"\nthis is not toml\n')
    before = path.read_bytes()
    with pytest.raises(ConfigError) as info:
        save_config({"model": "x"}, path)
    assert info.value.line == 2
    assert path.read_bytes() == before
    assert listing(tmp_path) == ["config.toml"]


def test_bad_utf8_is_an_error_with_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'model = "a"\ntheme = "\xff"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 2
    assert info.value.column == 10
    assert "UTF-8" in str(info.value)
    with pytest.raises(ConfigError):
        save_config({"model": "b"}, path)
    assert path.read_bytes() == b'model = "a"\ntheme = "\xff"\n'


def test_a_folder_is_not_a_config_file(tmp_path: Path) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    assert str(info.value).startswith(f"Cannot read config file {folder}: ")
    assert info.value.line is None
    with pytest.raises(ConfigError):
        save_config({"model": "x"}, folder)
    assert folder.is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_an_error(tmp_path: Path) -> None:  # pragma: no cover - not as root
    path = write(tmp_path / "config.toml", 'model = "a"\n')
    path.chmod(0)
    with pytest.raises(ConfigError, match="permission denied"):
        load_config(path)


WRONG_TYPES = [
    ("favourites = 3", "favourites", 1),
    ('favourites = ["a", 1]', "favourites", 1),
    ('region = "mars"', "region", 1),
    ("region = 1", "region", 1),
    ('base_url = "ftp://example.com"', "base_url", 1),
    ('base_url = "not a url"', "base_url", 1),
    ('model = ["a"]', "model", 1),
    ("thinking_budget = 127", "thinking_budget", 1),
    ("thinking_budget = 32769", "thinking_budget", 1),
    ("thinking_budget = 1024.0", "thinking_budget", 1),
    ('temperature = "hot"', "temperature", 1),
    ("temperature = true", "temperature", 1),
    ("temperature = 2.5", "temperature", 1),
    ("temperature = nan", "temperature", 1),
    ("top_p = 0", "top_p", 1),
    ("max_tokens = 0", "max_tokens", 1),
    ("max_tokens = 1.5", "max_tokens", 1),
    ('enable_thinking = "yes"', "enable_thinking", 1),
    ("idle_timeout = -1", "idle_timeout", 1),
    ("idle_timeout = inf", "idle_timeout", 1),
    ("system_prompt = 1", "system_prompt", 1),
    ("api_key = 12", "api_key", 1),
    ("theme = false", "theme", 1),
    ("transcript_dir = 5", "transcript_dir", 1),
    ('keymap = "ctrl+q"', "keymap", 1),
    ("[keymap]\nquit = 1", "keymap", 1),
    ('model = "m"\n\n[keymap.nested]\nquit = "q"', "keymap", None),
    ("currency = 1", "currency", 1),
    ('currency = "too long a symbol"', "currency", 1),
    ('currency = "\\u001b[31m"', "currency", 1),
    ('prices = "cheap"', "prices", 1),
    ('[prices]\n"Qwen/Qwen3-8B" = 0.5', "prices", 1),
    ('[prices]\n"Qwen/Qwen3-8B" = { input = 0.5 }', "prices", 1),
    ('[prices]\n"Qwen/Qwen3-8B" = { input = 0.5, output = 2, inptu = 1 }', "prices", 1),
    ('[prices]\n"Qwen/Qwen3-8B" = { input = -1, output = 2 }', "prices", 1),
    ('[prices]\n"Qwen/Qwen3-8B" = { input = 1, output = "2" }', "prices", 1),
    ('[prices]\n"Qwen/Qwen3-8B" = { input = 1, output = nan }', "prices", 1),
    ('[prices]\n"Qwen/Qwen3-8B" = { input = true, output = 1 }', "prices", 1),
    ('model = "m"\n[prices."Qwen/Qwen3-8B"]\ninput = 1\noutput = inf', "prices", None),
]


@pytest.mark.parametrize(("text", "key", "line"), WRONG_TYPES)
def test_wrong_types_name_the_key(tmp_path: Path, text: str, key: str, line: int | None) -> None:
    path = write(tmp_path / "config.toml", "# comment\n" + text + "\n")
    before = path.read_bytes()
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert info.value.path == path
    message = str(info.value)
    assert message.startswith(f"Cannot read config file {path}")
    assert f": {key} must be" in message
    if line is not None:
        assert info.value.line == line + 1  # after the comment
    assert path.read_bytes() == before


def test_wrong_value_message_does_not_leak_a_key(tmp_path: Path) -> None:
    # A key pasted into the wrong place must not end up in an error message.
    for text in (f'favourites = "{KEY}"', f'api_key = ["{KEY}"]', f"api_key = {{ k = '{KEY[3:]}' }}"):
        path = write(tmp_path / "config.toml", text + "\n")
        with pytest.raises(ConfigError) as info:
            load_config(path)
        assert KEY[3:] not in str(info.value)


# ---------------------------------------------------------------------------------------------- saving


def test_save_creates_private_file_and_folder(isolated_dirs: dict[str, Path]) -> None:
    path = save_config({"api_key": KEY})
    assert path == isolated_dirs["XDG_CONFIG_HOME"] / "siliconchat" / "config.toml"
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert load_config().api_key == KEY


def test_save_tightens_an_existing_file(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", 'model = "m"\n')
    path.chmod(0o644)
    save_config({"api_key": KEY}, path)
    assert mode(path) == 0o600


def test_round_trip_of_every_field(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    updates: dict[str, object] = {
        "api_key": f"  {KEY}\n",
        "region": "cn",
        "base_url": "http://localhost:8080/v1/",
        "model": "Qwen/Qwen3-8B",
        "favourites": ("a/b", "c/d"),
        "compare_models": ("a/b", "e/f", "a/b"),
        "system_prompt": 'Say "hi" \\ then\n\ttab, bell\x07, del\x7f, nul\x00, é ✓ 中文 🙂',
        "temperature": 0.7,
        "top_p": 0.95,
        "max_tokens": 1024,
        "enable_thinking": False,
        "thinking_budget": 128,
        "idle_timeout": 90.5,
        "attachment_max_mb": 12.5,
        "message_max_mb": 30,
        "text_attachment_max_kb": 512,
        "image_max_side": 1024,
        "image_turns": 0,
        "theme": "textual-dark",
        "transcript_dir": tmp_path / "transcripts",
        "currency": "US$ ",
        "prices": {
            "Qwen/Qwen3-8B": {"input": 0, "output": 0},
            "deepseek-ai/DeepSeek-R1": {"input": 4, "output": 16.5},
        },
        "keymap": {"quit": "ctrl+q", 'odd key="x"': "f1,f2"},
    }
    save_config(updates, path)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["api_key"] == KEY
    assert raw["base_url"] == "http://localhost:8080/v1"
    assert raw["favourites"] == ["a/b", "c/d"]
    assert raw["transcript_dir"] == str(tmp_path / "transcripts")
    config = load_config(path)
    expected = Config(
        api_key=KEY,
        region="cn",
        base_url="http://localhost:8080/v1",
        model="Qwen/Qwen3-8B",
        favourites=["a/b", "c/d"],
        compare_models=["a/b", "e/f"],  # repeats once
        system_prompt=str(updates["system_prompt"]),
        temperature=0.7,
        top_p=0.95,
        max_tokens=1024,
        enable_thinking=False,
        thinking_budget=128,
        idle_timeout=90.5,
        attachment_max_mb=12.5,
        message_max_mb=30.0,
        text_attachment_max_kb=512,
        image_max_side=1024,
        image_turns=0,
        theme="textual-dark",
        keymap={"quit": "ctrl+q", 'odd key="x"': "f1,f2"},
        transcript_dir=tmp_path / "transcripts",
        currency="US$ ",
        prices={"Qwen/Qwen3-8B": Price(0, 0), "deepseek-ai/DeepSeek-R1": Price(4, 16.5)},
    )
    assert config == expected
    # every field of Config is covered by this test (path is not a setting)
    assert {f.name for f in fields(Config)} - {"path"} == set(updates)


def test_file_is_readable(tmp_path: Path) -> None:
    path = save_config(
        {"keymap": {"quit": "ctrl+q"}, "model": "m", "api_key": KEY, "favourites": ["m"], "region": "ap"},
        tmp_path / "config.toml",
    )
    assert path.read_text(encoding="utf-8") == (
        f'api_key = "{KEY}"\nregion = "ap"\nmodel = "m"\nfavourites = ["m"]\n\n[keymap]\nquit = "ctrl+q"\n'
    )


def test_none_removes_and_updates_merge(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_config({"api_key": KEY, "model": "a", "theme": "nord"}, path)
    save_config({"model": "b", "theme": None, "not_there": None}, path)
    config = load_config(path)
    assert (config.api_key, config.model, config.theme) == (KEY, "b", None)
    assert "theme" not in tomllib.loads(path.read_text(encoding="utf-8"))


def test_unknown_keys_are_preserved(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        """
# a comment
future_flag = true
model = "old"
when = 1979-05-27T07:32:00Z
day = 1979-05-27
ratio = 1e+16
big = -9223372036854775808
mixed = [1, "two", [3.5], {inner = "x"}]
points = [{x = 1}, {x = 2}]

[keymap]
quit = "ctrl+q"

[plugins.weather]
"api url" = "https://w.example"
enabled = false

[[servers]]
name = "a"
""",
    )
    before = tomllib.loads(path.read_text(encoding="utf-8"))
    save_config({"model": "new"}, path)
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert after == {**before, "model": "new"}
    assert after["when"] == dt.datetime(1979, 5, 27, 7, 32, tzinfo=dt.timezone.utc)


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    for n in range(3):
        save_config({"max_tokens": n + 1}, path)
    assert listing(tmp_path) == ["config.toml"]
    assert load_config(path).max_tokens == 3


@pytest.mark.parametrize(
    "updates",
    [
        {"theme": object()},
        {"unknown": {"nested": {1, 2}}},
        {"system_prompt": "lone surrogate \udcff"},
        {"api_key": KEY, "bad": b"bytes"},
    ],
)
def test_failed_write_keeps_the_original(tmp_path: Path, updates: dict[str, object]) -> None:
    path = save_config({"api_key": OTHER_KEY, "model": "m"}, tmp_path / "config.toml")
    before = path.read_bytes()
    with pytest.raises((TypeError, ValueError)):
        save_config(updates, path)
    assert path.read_bytes() == before
    assert listing(tmp_path) == ["config.toml"]


@pytest.mark.parametrize(
    ("key", "value"),
    [("region", "mars"), ("thinking_budget", 5), ("favourites", "a/b"), ("temperature", "1"), ("keymap", [])],
)
def test_save_rejects_invalid_known_values(tmp_path: Path, key: str, value: object) -> None:
    path = save_config({"model": "m"}, tmp_path / "config.toml")
    before = path.read_bytes()
    with pytest.raises(ValueError, match=key):
        save_config({key: value}, path)
    assert path.read_bytes() == before


def test_save_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = write(tmp_path / "dotfiles" / "siliconchat.toml", 'model = "m"\n')
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    assert save_config({"theme": "nord"}, link) == link
    assert link.is_symlink()
    assert load_config(real).theme == "nord"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        'quote " and backslash \\ and slash /',
        "\b\t\n\f\r",
        "".join(chr(c) for c in range(0x20)) + "\x7f\x80\u2028\ufeff",
        "emoji 🙂 and CJK 中文",
        "'''",
        '"""',
    ],
)
def test_string_escaping_round_trips(tmp_path: Path, text: str) -> None:
    document = {"s": text, "list": [text], "table": {text or "k": text}}
    path = save_config(document, tmp_path / "config.toml")
    saved = path.read_text(encoding="utf-8")
    assert tomllib.loads(saved) == document
    assert len(saved.splitlines()) == 5  # s, list, blank, [table], key: every line break is escaped


@pytest.mark.parametrize("number", [0.0, -0.0, 0.1, 1e16, 1.5e-7, 123456789.125, float("inf"), float("-inf")])
def test_floats_round_trip(tmp_path: Path, number: float) -> None:
    path = save_config({"x": number}, tmp_path / "config.toml")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"x": number}


def test_new_keys_come_in_the_usual_order_before_the_tables(tmp_path: Path) -> None:
    path = save_config({"t": {"a": "1"}, "zzz": 1, "theme": "nord", "model": "m"}, tmp_path / "config.toml")
    assert path.read_text(encoding="utf-8") == 'model = "m"\ntheme = "nord"\nzzz = 1\n\n[t]\na = "1"\n'


HAND_WRITTEN = """\
# siliconchat config, kept by hand
# (the key lives in the password manager too)

theme = "nord"   # dark, easy on the eyes
model = "old/model"
future_flag = true  # a key this version does not know

# my own keys
[keymap]
quit = "ctrl+q"  # like every other app
help = "f1"

[plugins.weather]
enabled = false
"""


TRICKY = """\
# settings\r
note = \"\"\"\r
[not a table]\r
# not a comment\r
\"\"\"\r
grid = [\r
  [1, 2],\r
]\r
\r
# the tables below are mine\r
[[hooks]]\r
run = "a"\r
\r
[keymap]\r
quit = "ctrl+q"\r
"""


def test_a_new_key_goes_after_the_last_plain_key_whatever_lines_look_like_tables(tmp_path: Path) -> None:
    # A multi-line string and a nested array hold lines that look like a table or a comment; the comment
    # above the first table stays with it; the file's CRLF line ends stay.
    path = write(tmp_path / "config.toml", "")
    path.write_bytes(TRICKY.encode())
    save_config({"model": "m", "theme": "nord"}, path)
    assert path.read_bytes().decode() == TRICKY.replace(
        "]\r\n\r\n# the", ']\r\nmodel = "m"\r\ntheme = "nord"\r\n\r\n# the'
    )


def test_saving_keeps_comments_ordering_and_unknown_keys(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", HAND_WRITTEN)
    path.chmod(0o644)
    save_config({"model": "new/model", "temperature": 0.5, "keymap": {"quit": "ctrl+x", "help": "f1"}}, path)
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN.replace('"old/model"', '"new/model"').replace(
        "future_flag = true  # a key this version does not know\n",
        "future_flag = true  # a key this version does not know\ntemperature = 0.5\n",
    ).replace('quit = "ctrl+q"', 'quit = "ctrl+x"')
    assert mode(path) == 0o600
    assert listing(tmp_path) == ["config.toml"]
    save_config({"theme": None, "keymap": {"help": "f2"}}, path)
    text = path.read_text(encoding="utf-8")
    assert "theme" not in text
    assert text.startswith("# siliconchat config, kept by hand\n")
    assert "future_flag = true  # a key this version does not know\n" in text
    assert '# my own keys\n[keymap]\nhelp = "f2"\n' in text
    assert load_config(path).keymap == {"help": "f2"}


# ---------------------------------------------------------------------------------------------- secrets


def test_key_is_never_in_repr(tmp_path: Path) -> None:
    config = Config(api_key=KEY, model="m")
    assert KEY not in repr(config)
    assert KEY not in str(config)
    settings = resolve_settings(config=config, env={})
    assert settings.api_key == KEY
    assert KEY not in repr(settings)
    assert KEY not in str(settings)
    loaded = load_config(save_config({"api_key": KEY}, tmp_path / "c.toml"))
    assert KEY not in repr(loaded)


def test_redact() -> None:
    assert redact(f"Authorization: Bearer {KEY}", KEY) == f"Authorization: Bearer {REDACTED}"
    assert redact(f"{OTHER_KEY} and {KEY}", None) == f"{REDACTED} and {REDACTED}"
    assert redact("custom-secret-value here", "custom-secret-value") == f"{REDACTED} here"
    assert redact("custom-secret-value here", "  custom-secret-value\n") == f"{REDACTED} here"
    assert redact("sk-short is fine", None) == "sk-short is fine"
    assert redact("a b c", "a") == "a b c"  # too short to be a secret: the text stays readable
    assert redact("no secrets", None) == "no secrets"
    assert redact("", KEY) == ""
    assert redact(KEY + KEY, KEY) == REDACTED + REDACTED


# ---------------------------------------------------------------------------------------------- settings


def test_defaults() -> None:
    settings = resolve_settings(config=Config(), env={})
    assert settings == Settings(
        api_key=None,
        base_url="https://api.ap.siliconflow.com/v1",
        region="ap",
        model=DEFAULT_MODEL,
        system_prompt=None,
        params=ModelParams(),
        idle_timeout=DEFAULT_IDLE_TIMEOUT,
        favourites=(),
    )
    assert settings.max_retries == 2
    assert settings.demo is False
    assert settings.api_key_source is None


@pytest.mark.parametrize(
    ("flag", "env", "file", "expected", "source"),
    [
        (KEY, OTHER_KEY, "sk-file-key-value", KEY, "flag"),
        (None, OTHER_KEY, "sk-file-key-value", OTHER_KEY, "env"),
        (None, None, "sk-file-key-value", "sk-file-key-value", "config"),
        (None, "", "sk-file-key-value", "sk-file-key-value", "config"),
        ("  ", "\n", "sk-file-key-value", "sk-file-key-value", "config"),
        (None, f"  {OTHER_KEY}\n", None, OTHER_KEY, "env"),
        (f"{KEY}\r\n", None, None, KEY, "flag"),
        (None, None, None, None, None),
    ],
)
def test_api_key_precedence(
    tmp_path: Path,
    flag: str | None,
    env: str | None,
    file: str | None,
    expected: str | None,
    source: str | None,
) -> None:
    path = save_config({"api_key": file}, tmp_path / "config.toml")
    environ = {} if env is None else {"SILICONFLOW_API_KEY": env}
    settings = resolve_settings(config=load_config(path), env=environ, api_key=flag)
    assert (settings.api_key, settings.api_key_source) == (expected, source)


@pytest.mark.parametrize(
    ("flag_url", "flag_region", "env_url", "file_url", "file_region", "expected", "region"),
    [
        ("https://flag.example/v1/", "cn", "https://env.example/v1", "https://file.example/v1", "global",
         "https://flag.example/v1", None),
        (None, "cn", "https://env.example/v1", "https://file.example/v1", "global", REGIONS["cn"], "cn"),
        (None, None, "https://env.example/v1/", "https://file.example/v1", "global", "https://env.example/v1",
         None),
        (None, None, "", "https://file.example/v1", "global", "https://file.example/v1", None),
        (None, None, None, None, "global", REGIONS["global"], "global"),
        (None, None, None, None, None, REGIONS["ap"], "ap"),
        (None, "GLOBAL", None, None, None, REGIONS["global"], "global"),
        (None, None, REGIONS["cn"] + "/", None, "global", REGIONS["cn"], "cn"),  # a preset URL names its region
        ("  ", None, None, "http://127.0.0.1:8000/v1", None, "http://127.0.0.1:8000/v1", None),
    ],
)  # fmt: skip
def test_base_url_precedence(
    tmp_path: Path,
    flag_url: str | None,
    flag_region: str | None,
    env_url: str | None,
    file_url: str | None,
    file_region: str | None,
    expected: str,
    region: str | None,
) -> None:
    path = save_config({"base_url": file_url, "region": file_region}, tmp_path / "config.toml")
    environ = {} if env_url is None else {"SILICONFLOW_BASE_URL": env_url}
    settings = resolve_settings(config=load_config(path), env=environ, base_url=flag_url, region=flag_region)
    assert (settings.base_url, settings.region) == (expected, region)


@pytest.mark.parametrize(
    ("flag", "env", "file", "expected"),
    [
        ("flag/model", "env/model", "file/model", "flag/model"),
        (None, "env/model", "file/model", "env/model"),
        (None, "", "file/model", "file/model"),
        (None, None, "file/model", "file/model"),
        (None, " env/model\n", None, "env/model"),
        (None, None, None, DEFAULT_MODEL),
    ],
)
def test_model_precedence(
    tmp_path: Path, flag: str | None, env: str | None, file: str | None, expected: str
) -> None:
    path = save_config({"model": file}, tmp_path / "config.toml")
    environ = {} if env is None else {"SILICONCHAT_MODEL": env}
    assert resolve_settings(config=load_config(path), env=environ, model=flag).model == expected


@pytest.mark.parametrize("name", sorted(REGIONS))
def test_region_presets(name: str) -> None:
    settings = resolve_settings(config=Config(), env={}, region=name)
    assert settings.base_url == REGIONS[name]
    assert settings.region == name
    assert resolve_settings(config=Config(region=name), env={}).base_url == REGIONS[name]


def test_region_urls_match_the_api_notes() -> None:
    assert REGIONS == {
        "ap": "https://api.ap.siliconflow.com/v1",
        "global": "https://api.siliconflow.com/v1",
        "cn": "https://api.siliconflow.cn/v1",
    }
    assert cfg.DEFAULT_REGION == "ap"


def test_unknown_region_lists_the_valid_names() -> None:
    with pytest.raises(ValueError) as info:
        resolve_settings(config=Config(), env={}, region="mars")
    for name in REGIONS:
        assert name in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "environ", "needle"),
    [
        ({"base_url": "api.siliconflow.com"}, {}, "--base-url"),
        ({}, {"SILICONFLOW_BASE_URL": "ftp://x"}, "SILICONFLOW_BASE_URL"),
    ],
)
def test_bad_base_url_is_a_value_error(kwargs: dict[str, Any], environ: dict[str, str], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        resolve_settings(config=Config(), env=environ, **kwargs)


def test_settings_from_config_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.toml", FULL_TOML))
    settings = resolve_settings(config=config, env={})
    assert settings.params == ModelParams(
        temperature=1.0, top_p=0.9, max_tokens=4096, enable_thinking=True, thinking_budget=2048
    )
    assert settings.idle_timeout == 30.0
    assert settings.favourites == ("Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-V3")
    assert settings.system_prompt == "Be brief.\nVery brief."
    assert settings.base_url == "https://example.com/v1"  # base_url beats region in the file
    assert settings.region is None
    assert settings.api_key_source == "config"


PRICES_TOML = """
currency = "$"

[prices]
"Qwen/Qwen3-8B" = { input = 0, output = 0 }
"deepseek-ai/DeepSeek-R1" = { input = 4, output = 16.5 }

[prices."Pro/deepseek-ai/DeepSeek-V3"]
input = 2
output = 8
"""


def test_prices_per_model_and_the_currency(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.toml", PRICES_TOML))
    assert config.prices == {
        "Qwen/Qwen3-8B": Price(0.0, 0.0),
        "deepseek-ai/DeepSeek-R1": Price(4.0, 16.5),
        "Pro/deepseek-ai/DeepSeek-V3": Price(2.0, 8.0),
    }
    settings = resolve_settings(config=config, env={})
    assert settings.prices == config.prices
    assert settings.currency == "$"
    unpriced = resolve_settings(config=Config(), env={})
    assert unpriced.prices == {} and unpriced.currency == CURRENCY == "¥"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '[prices]\n"Qwen/Qwen3-8B" = 0.5',
            "prices must be a table { input = …, output = … } for 'Qwen/Qwen3-8B', not 0.5",
        ),
        (
            '[prices]\n"Qwen/Qwen3-8B" = { input = 0.5 }',
            "prices must be a table with both input and output for 'Qwen/Qwen3-8B', not {'input': 0.5}",
        ),
        (
            "[prices]\nm = { input = 1, output = 2, inptu = 1 }",
            "prices must be a table of only input and output for 'm', not",
        ),
        (
            '[prices]\n"Qwen/Qwen3-8B" = { input = -1, output = 2 }',
            "prices must be a number of at least 0 for 'Qwen/Qwen3-8B' input (the price per million tokens), not -1",
        ),
        ('[prices]\nm = { input = 1, output = "2" }', "prices must be a number of at least 0 for 'm' output"),
        (
            'prices = ["m"]',
            'prices must be a table of model ids to prices, e.g. [prices] then "Qwen/Qwen3-8B" =',
        ),
        ('currency = "dollars and cents"', "currency must be a currency symbol of at most 8 characters"),
    ],
)
def test_a_bad_price_says_which_model_and_what_is_wrong(tmp_path: Path, text: str, says: str) -> None:
    path = write(tmp_path / "config.toml", 'model = "m"\n' + text + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert says in str(info.value)
    assert info.value.line == 2  # the [prices] table (or the currency key)


def test_system_prompt_flag() -> None:
    config = Config(system_prompt="from file")
    assert resolve_settings(config=config, env={}).system_prompt == "from file"
    assert resolve_settings(config=config, env={}, system_prompt="flag").system_prompt == "flag"
    assert resolve_settings(config=config, env={}, system_prompt="").system_prompt is None


def test_env_and_config_default_to_the_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "custom.toml", 'model = "file/model"\nregion = "cn"\n')
    monkeypatch.setenv("SILICONCHAT_CONFIG", str(path))
    monkeypatch.setenv("SILICONFLOW_API_KEY", KEY)
    settings = resolve_settings()
    assert (settings.model, settings.region, settings.api_key_source) == ("file/model", "cn", "env")
    assert settings.config_path == path
    monkeypatch.setenv("SILICONCHAT_MODEL", "env/model")
    assert resolve_settings().model == "env/model"


def test_explicit_env_ignores_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SILICONFLOW_API_KEY", KEY)
    assert resolve_settings(config=Config(), env={}).api_key is None


def test_resolve_reports_a_broken_config_file(isolated_dirs: dict[str, Path]) -> None:
    write(paths.config_file(), "model = \n")
    with pytest.raises(ConfigError):
        resolve_settings(env={})


def test_key_hint_names_the_variable_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    settings = resolve_settings(config=load_config(path), env={})
    hint = settings.key_hint
    assert "SILICONFLOW_API_KEY" in hint
    assert str(path) in hint
    assert hint.count(". ") == 0 and hint.endswith(".")
    default_hint = resolve_settings(config=Config(), env={}).key_hint
    assert str(paths.config_file()) in default_hint


def test_api_key_origin_names_the_source(tmp_path: Path) -> None:
    env_settings = resolve_settings(config=Config(), env={"SILICONFLOW_API_KEY": KEY})
    assert "SILICONFLOW_API_KEY" in env_settings.api_key_origin
    path = save_config({"api_key": KEY}, tmp_path / "c.toml")
    assert str(path) in resolve_settings(config=load_config(path), env={}).api_key_origin


def test_settings_are_frozen() -> None:
    settings = resolve_settings(config=Config(), env={})
    with pytest.raises(AttributeError):
        settings.model = "x"  # type: ignore[misc]


def test_config_module_does_not_import_ui_or_sdk() -> None:
    import subprocess

    code = (
        "import sys, siliconchat.config, siliconchat.paths; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'openai', 'rich', 'httpx')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
