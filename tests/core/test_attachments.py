"""Attaching files (siliconchat/core/attachments): what is read, refused, cut, downscaled and sent."""

from __future__ import annotations

import base64
import io
import json
import os
import threading
from pathlib import Path

import pytest
from attachment_support import encoded, minimal_pdf, photo, twelve_megapixel_jpeg, write_image
from PIL import Image

from siliconchat.core.attachments import (
    KB,
    AttachmentError,
    AttachmentLimits,
    attach_path,
    attach_stream,
    check_message,
    fenced,
    human_size,
    image_input,
    images_refused,
    user_content,
)
from siliconchat.core.attachments.vision import ImageInput

LIMITS = AttachmentLimits()


def refusal(path: str | Path, cwd: Path, limits: AttachmentLimits = LIMITS) -> str:
    with pytest.raises(AttachmentError) as caught:
        attach_path(path, limits, cwd=cwd)
    return str(caught.value)


# -- text ---------------------------------------------------------------------------------------------


def test_a_text_file_goes_as_a_fenced_block_with_its_name_and_language(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("print('hi')\n```\nnot the end\n````\n", encoding="utf-8")
    attachment = attach_path("main.py", LIMITS, cwd=tmp_path)
    assert attachment.kind == "text" and attachment.name == "main.py"
    content = user_content("Review this", [attachment])
    assert content == "Review this\n\n`````python main.py\nprint('hi')\n```\nnot the end\n````\n`````"


def test_text_is_known_by_its_content_not_its_name(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("plain words, not a picture\n", encoding="utf-8")
    (tmp_path / "data.txt").write_bytes(bytes(range(256)) * 8)
    assert attach_path("notes.png", LIMITS, cwd=tmp_path).kind == "text"
    assert refusal("data.txt", tmp_path) == (
        "data.txt is neither text nor a PNG, JPEG, WebP or GIF image (it looks binary); it was not attached."
    )


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("gbk", "这是一个用国标编码写的中文文件，内容要长一些，编码才能被认出来。" * 3),
        (
            "shift_jis",
            "日本語の文章です。ひらがなとカタカナ、そして漢字が混ざっています。これは文字コードの判定の"
            "ための例文で、少し長めに書いてあります。東京は晴れ、大阪は雨でした。",
        ),
        ("utf-16", "UTF-16 with its byte-order mark: ünïcödé\n"),
        ("utf-8-sig", "UTF-8 with a byte-order mark\n"),
    ],
)
def test_a_text_in_another_encoding_is_sent_as_utf8(tmp_path: Path, encoding: str, text: str) -> None:
    (tmp_path / "file.txt").write_bytes(text.encode(encoding))
    attachment = attach_path("file.txt", LIMITS, cwd=tmp_path)
    assert attachment.text == text
    assert attachment.data == text.encode("utf-8")


def test_a_huge_text_is_cut_with_a_visible_marker(tmp_path: Path) -> None:
    line = "0123456789 " * 9 + "\n"  # 100 bytes
    (tmp_path / "big.log").write_text(line * 50_000, encoding="utf-8")  # 5 MB
    limits = AttachmentLimits(text_bytes=64 * KB, file_bytes=1024 * KB)
    attachment = attach_path("big.log", limits, cwd=tmp_path)
    body, marker = attachment.text.rstrip("\n").rsplit("\n", 1)
    assert len(body.encode()) <= 64 * KB and body.endswith(line.rstrip("\n"))
    assert marker == (
        "[siliconchat: big.log is cut here: only its first 64 KB of 4.8 MB are attached "
        "(limit: text_attachment_max_kb)]"
    )
    assert attachment.note == "cut at 64 KB of 4.8 MB"


def test_a_pdf_gives_its_text(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    (tmp_path / "paper.pdf").write_bytes(minimal_pdf("Attention is all you need"))
    attachment = attach_path("paper.pdf", LIMITS, cwd=tmp_path)
    assert (attachment.kind, attachment.text) == ("text", "Attention is all you need")
    assert (
        user_content("Sum up", [attachment]) == "Sum up\n\n```text paper.pdf\nAttention is all you need\n```"
    )


# -- refusals: nothing hangs, each names the file ---------------------------------------------------


def test_missing_unreadable_and_folder(tmp_path: Path) -> None:
    assert refusal("nope.md", tmp_path) == "nope.md does not exist."
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    secret.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        assert refusal("secret.txt", tmp_path) == "secret.txt cannot be read: permission denied."
    (tmp_path / "src").mkdir()
    assert refusal("src", tmp_path) == (
        "src is a folder (attach the files in it one by one); it was not attached."
    )


def test_a_fifo_or_a_device_is_refused_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(refusal("pipe", tmp_path)), daemon=True)
    worker.start()
    worker.join(10)  # a bound, not a timing: a blocking open would never return
    assert outcome == ["pipe is a named pipe (FIFO), not a file; it was not attached."]
    assert refusal("/dev/zero", tmp_path) == "zero is a device, not a file; it was not attached."


def test_a_symlink_out_of_the_working_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "id_ed25519").write_text("PRIVATE KEY")
    work = tmp_path / "repo"
    work.mkdir()
    (work / "notes.md").symlink_to(outside / "id_ed25519")
    (work / "docs").symlink_to(outside)
    (work / "real.md").write_text("inside")
    (work / "alias.md").symlink_to(work / "real.md")
    message = refusal("notes.md", work)
    assert message.startswith("notes.md is a symbolic link to a file outside the working folder")
    assert refusal("docs/id_ed25519", work).startswith("id_ed25519 is a symbolic link to a file outside")
    assert attach_path("alias.md", LIMITS, cwd=work).text == "inside"  # a link inside is fine
    # A file outside, named by its own path, is what the user asked for.
    assert attach_path(outside / "id_ed25519", LIMITS, cwd=work).text == "PRIVATE KEY"


def test_an_image_over_the_limit_per_attachment_is_refused_by_name(tmp_path: Path) -> None:
    write_image(tmp_path / "big.png", photo(600, 400), "PNG")
    limits = AttachmentLimits(file_bytes=100 * KB)
    size = (tmp_path / "big.png").stat().st_size
    assert refusal("big.png", tmp_path, limits) == (
        f"big.png is {human_size(size)}, over the limit of 100 KB per attachment "
        "(attachment_max_mb); it was not attached."
    )


def test_a_broken_image_is_refused_by_name(tmp_path: Path) -> None:
    good = encoded(photo(300, 200), "PNG")
    (tmp_path / "cut.png").write_bytes(good[: len(good) // 3])
    assert refusal("cut.png", tmp_path).startswith("cut.png looks like a PNG image but cannot be read")


def test_the_limit_per_message_names_the_file_that_crosses_it(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text("x" * 40 * KB)
    limits = AttachmentLimits(message_bytes=100 * KB)
    files = [attach_path(name, limits, cwd=tmp_path) for name in ("a.txt", "b.txt", "c.txt")]
    check_message(files[:2], limits)
    with pytest.raises(AttachmentError, match=r"^c\.txt brings this message's attachments to 120 KB, over "):
        check_message(files, limits)


def test_piped_bytes_attach_as_text_or_image() -> None:
    text = attach_stream(io.BytesIO(b"a diff\n"), LIMITS)
    assert (text.name, text.text) == ("stdin", "a diff\n")
    image = attach_stream(io.BytesIO(encoded(photo(64, 48), "PNG")), LIMITS)
    assert image.kind == "image" and (image.width, image.height) == (64, 48)
    with pytest.raises(AttachmentError, match="stdin was empty"):
        attach_stream(io.BytesIO(b""), LIMITS)


# -- images ------------------------------------------------------------------------------------------


def test_a_12_megapixel_jpeg_becomes_a_small_request(tmp_path: Path) -> None:
    twelve_megapixel_jpeg(tmp_path / "photo.jpg")
    attachment = attach_path("photo.jpg", LIMITS, cwd=tmp_path)
    assert (attachment.width, attachment.height) == (2048, 1536)
    assert attachment.media_type == "image/jpeg" and attachment.note == "4000×3000, downscaled"
    body = json.dumps(
        {"messages": [{"role": "user", "content": user_content("What is this?", [attachment])}]}
    )
    assert len(body) < 1.5 * 1024 * 1024
    url = user_content("x", [attachment])[1]["image_url"]["url"]  # type: ignore[index]
    assert url.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as sent:
        assert sent.size == (2048, 1536)


@pytest.mark.parametrize(
    ("fmt", "mode", "media_type"),
    [
        ("PNG", "RGB", "image/png"),
        ("WEBP", "RGB", "image/jpeg"),
        ("GIF", "P", "image/png"),
        ("PNG", "RGBA", "image/png"),
    ],
)
def test_each_image_format_is_read_and_fitted(tmp_path: Path, fmt: str, mode: str, media_type: str) -> None:
    picture = Image.new(mode, (3000, 1000), "white" if mode != "RGBA" else (0, 0, 255, 100))
    write_image(tmp_path / "pic", picture, fmt)
    attachment = attach_path("pic", AttachmentLimits(image_side=1500), cwd=tmp_path)
    assert (attachment.media_type, attachment.width, attachment.height) == (media_type, 1500, 500)
    with Image.open(io.BytesIO(attachment.data)) as sent:
        assert sent.mode == ("RGBA" if mode == "RGBA" else "RGB")  # transparency kept only where used


def test_an_animated_gif_sends_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    attachment = attach_path("anim.gif", LIMITS, cwd=tmp_path)
    with Image.open(io.BytesIO(attachment.data)) as sent:
        assert sent.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_exif_orientation_is_applied_and_metadata_left_out(tmp_path: Path) -> None:
    picture = photo(400, 300)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: shown rotated a quarter
    exif[0x010F] = "PhoneMaker"
    write_image(tmp_path / "turned.jpg", picture, "JPEG", exif=exif.tobytes())
    attachment = attach_path("turned.jpg", LIMITS, cwd=tmp_path)
    assert (attachment.width, attachment.height) == (300, 400)
    assert b"PhoneMaker" not in attachment.data


# -- models and the message ---------------------------------------------------------------------------


def test_which_models_take_images() -> None:
    assert image_input("Qwen/Qwen2.5-VL-72B-Instruct") is ImageInput.YES
    assert image_input("Pro/Qwen/Qwen2.5-VL-7B-Instruct") is ImageInput.YES
    assert image_input("zai-org/GLM-4.5V") is ImageInput.YES
    assert image_input("deepseek-ai/deepseek-vl2") is ImageInput.YES
    assert image_input("Qwen/Qwen3-8B") is ImageInput.NO
    assert image_input("deepseek-ai/DeepSeek-R1") is ImageInput.NO
    assert image_input("someone/new-model") is ImageInput.UNKNOWN


def test_images_for_a_text_model_are_refused_by_name(tmp_path: Path) -> None:
    write_image(tmp_path / "cat.png", photo(50, 50), "PNG")
    (tmp_path / "a.txt").write_text("text")
    files = [attach_path(n, LIMITS, cwd=tmp_path) for n in ("a.txt", "cat.png")]
    assert images_refused("Qwen/Qwen3-8B", files[:1]) is None
    assert images_refused("Qwen/Qwen2.5-VL-72B-Instruct", files) is None
    assert images_refused("someone/new-model", files) is None  # the server decides
    message = images_refused("Qwen/Qwen3-8B", files)
    assert message is not None and message.startswith(
        "Qwen/Qwen3-8B does not take images, and this message has an image (cat.png)."
    )


def test_content_parts_with_images() -> None:
    text = attach_stream(io.BytesIO(b"notes"), LIMITS, name="notes.md")
    image = attach_stream(io.BytesIO(encoded(photo(32, 32), "PNG")), LIMITS, name="pic.png")
    parts = user_content("Look", [image, text])
    assert isinstance(parts, list)
    assert parts[0] == {"type": "text", "text": "Look\n\n```markdown notes.md\nnotes\n```"}
    assert parts[1]["type"] == "image_url" and parts[1]["image_url"]["detail"] == "auto"
    assert parts[1]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(image.data).decode()
    assert user_content("Look", [image], images=False) == (
        "Look\n\n[image pic.png, 32×32: sent with this message earlier, not repeated]"
    )


def test_fence_is_longer_than_any_backtick_run() -> None:
    assert fenced("a ```` b") == "`````\na ```` b\n`````"
    assert fenced("plain\n") == "```\nplain\n```"
