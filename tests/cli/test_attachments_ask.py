"""`siliconchat ask -a PATH` end to end: real processes, real HTTP to the demo server, the request it recorded."""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from attachment_support import encoded, photo, twelve_megapixel_jpeg, write_image
from cli_support import api_env, siliconchat, siliconchat_bytes
from PIL import Image

from siliconchat import paths
from siliconchat.core.history import HistoryStore
from siliconchat.demo.server import DemoServer
from siliconchat.demo.vision import NOT_VISION


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The working folder of the run, with two text files and a 12 MP photo."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "main.py").write_text("def answer() -> int:\n    return 42\n", encoding="utf-8")
    (folder / "notes.md").write_text("# Notes\n\nSome ```inline``` fences.\n", encoding="utf-8")
    twelve_megapixel_jpeg(folder / "photo.jpg")
    return folder


def chats(server: DemoServer) -> int:
    return sum(1 for r in server.requests if r.path.endswith("/chat/completions"))


def stored_conversations() -> int:
    if not paths.history_db().exists():
        return 0
    with HistoryStore.open() as store:
        return store.count()


def decoded(url: str) -> Image.Image:
    header, data = url.split(",", 1)
    assert header == "data:image/jpeg;base64"
    return Image.open(io.BytesIO(base64.b64decode(data)))


def test_two_files_and_an_image_reach_a_vision_model(server: DemoServer, work: Path) -> None:
    result = siliconchat(
        "ask", "-m", "demo/vision", "-a", "main.py", "--attach", "notes.md", "-a", "photo.jpg",
        "What is in these?", env=api_env(server), cwd=work,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("I received **1 image** and **2 files**.")
    assert "- Image 1: 2048×1536 pixels, image/jpeg" in result.stdout
    assert "- File `main.py` (python)\n- File `notes.md` (markdown)" in result.stdout
    assert result.stderr == "siliconchat: photo.jpg: 4000×3000, downscaled\n"

    request = server.requests[-1]
    assert len(json.dumps(request.body)) < 1.5 * 1024 * 1024
    text_part, image_part = request.body["messages"][-1]["content"]
    assert text_part == {
        "type": "text",
        "text": "What is in these?\n\n"
        "```python main.py\ndef answer() -> int:\n    return 42\n```\n\n"
        "````markdown notes.md\n# Notes\n\nSome ```inline``` fences.\n````",
    }
    assert image_part["type"] == "image_url" and image_part["image_url"]["detail"] == "auto"
    with decoded(image_part["image_url"]["url"]) as sent:
        assert sent.size == (2048, 1536)

    with HistoryStore.open() as store:
        saved = store.latest()
    assert saved is not None and stored_conversations() == 1
    attached = saved.messages[0].attachments
    assert [(a.name, a.media_type, a.width) for a in attached] == [
        ("main.py", "text/plain", None),
        ("notes.md", "text/plain", None),
        ("photo.jpg", "image/jpeg", 2048),
    ]
    assert attached[2].data == base64.b64decode(image_part["image_url"]["url"].split(",", 1)[1])

    exported = siliconchat("export", "--last", "--format", "json", "-o", str(work / "chat.json"))
    assert exported.returncode == 0, exported.stderr
    imported = siliconchat("import", str(work / "chat.json"))
    assert imported.returncode == 0, imported.stderr
    with HistoryStore.open() as store:
        again = store.load(int(imported.stdout.split()[-1]))
    assert again.messages[0].attachments == attached


def test_an_image_piped_with_attach_dash(server: DemoServer, work: Path) -> None:
    result = siliconchat_bytes(
        "ask", "-m", "demo/vision", "-a", "-", "Describe it",
        stdin=encoded(photo(300, 200), "PNG"), env=api_env(server), cwd=work,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "- Image 1: 300×200 pixels, image/png" in result.stdout.decode()


def test_markdown_export_writes_the_images_beside_it(server: DemoServer, work: Path) -> None:
    asked = siliconchat(
        "ask", "-m", "demo/vision", "-a", "main.py", "-a", "photo.jpg", "What?", env=api_env(server), cwd=work
    )
    assert asked.returncode == 0, asked.stderr
    with HistoryStore.open() as store:
        saved = store.latest()
    assert saved is not None
    image = saved.messages[0].attachments[1]

    out = work / "out"
    out.mkdir()
    exported = siliconchat("export", "--last", "-o", str(out / "chat.md"))
    assert exported.returncode == 0, exported.stderr
    picture = f"photo-{image.sha256[:12]}.jpg"
    assert sorted(os.listdir(out)) == ["chat.md", picture]
    assert (out / picture).read_bytes() == image.data
    markdown = (out / "chat.md").read_text(encoding="utf-8")
    assert f"![photo.jpg]({picture})" in markdown and "```python main.py\n" in markdown

    into_folder = siliconchat("export", "--last", "-o", str(out))  # the same image: linked, not written again
    assert into_folder.returncode == 0, into_folder.stderr
    assert len(os.listdir(out)) == 3 and f"]({picture})" in Path(into_folder.stderr.strip()).read_text(
        "utf-8"
    )

    on_stdout = siliconchat("export", "--last")  # nowhere to write an image: it is listed only
    assert "- photo.jpg · " in on_stdout.stdout and "![" not in on_stdout.stdout


def test_an_image_for_a_text_model_is_refused_before_the_request(server: DemoServer, work: Path) -> None:
    before = chats(server)
    result = siliconchat(
        "ask", "-m", "Qwen/Qwen3-8B", "-a", "photo.jpg", "What?", env=api_env(server), cwd=work
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "siliconchat: Qwen/Qwen3-8B does not take images, and this message has an image (photo.jpg). "
        "Switch to a vision model (such as Qwen/Qwen2.5-VL-72B-Instruct) or remove the image, then send "
        "again; nothing was sent."
    )
    assert chats(server) == before and stored_conversations() == 0


def test_a_refusal_of_images_by_the_server_is_explained(server: DemoServer, work: Path) -> None:
    result = siliconchat("ask", "-m", "demo/echo", "-a", "photo.jpg", "What?", env=api_env(server), cwd=work)
    assert result.returncode == 1
    line = result.stderr.splitlines()[-1]
    assert line.startswith(
        f"siliconchat: The request was rejected (400, code 20015): {NOT_VISION.rstrip('.')}"
    )
    assert line.endswith(
        "The message has images: demo/echo may not take images. Switch to a vision model (such as "
        "Qwen/Qwen2.5-VL-72B-Instruct) or remove the images, then send again."
    )


def make_bad_inputs(folder: Path) -> None:
    (folder / "archive.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "src").mkdir()
    os.mkfifo(folder / "pipe")
    outside = folder.parent / "outside.txt"
    outside.write_text("secret")
    (folder / "link.txt").symlink_to(outside)
    write_image(folder / "poster.png", photo(1200, 900), "PNG")
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text("x" * 700 * 1024)


BAD_INPUTS = [
    (["missing.md"], "missing.md does not exist."),
    (["src"], "src is a folder (attach the files in it one by one); it was not attached."),
    (["pipe"], "pipe is a named pipe (FIFO), not a file; it was not attached."),
    (["/dev/null"], "null is a device, not a file; it was not attached."),
    (
        ["archive.bin"],
        "archive.bin is neither text nor a PNG, JPEG, WebP or GIF image (it looks binary); it was not attached.",
    ),
    (["link.txt"], "link.txt is a symbolic link to a file outside the working folder"),
    (["poster.png"], "over the limit of 1 MB per attachment (attachment_max_mb); it was not attached."),
    (["a.txt", "b.txt"], "b.txt brings this message's attachments to 1.4 MB, over the limit of 1 MB"),
]


@pytest.mark.parametrize(("files", "said"), BAD_INPUTS, ids=[files[0] for files, _ in BAD_INPUTS])
def test_each_bad_input_is_named_and_nothing_is_sent_or_stored(
    server: DemoServer, work: Path, tmp_path: Path, files: list[str], said: str
) -> None:
    make_bad_inputs(work)
    config = tmp_path / "config.toml"
    config.write_text("attachment_max_mb = 1\nmessage_max_mb = 1\ntext_attachment_max_kb = 1024\n")
    before = chats(server)
    arguments = [part for name in files for part in ("-a", name)]
    result = siliconchat(
        "ask", "-m", "demo/vision", *arguments, "Look",
        env={**api_env(server), "SILICONCHAT_CONFIG": str(config)}, cwd=work,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("siliconchat: ") and said in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    assert chats(server) == before and stored_conversations() == 0


def test_attach_dash_needs_the_prompt_as_an_argument(server: DemoServer, work: Path) -> None:
    result = siliconchat("ask", "-m", "demo/vision", "-a", "-", stdin="text", env=api_env(server), cwd=work)
    assert result.returncode == 2
    assert "With --attach - stdin is the attachment: give the prompt as an argument." in result.stderr
