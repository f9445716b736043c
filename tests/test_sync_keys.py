"""Object keys: sanitized on upload; on download a key can never write outside the data folder."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normdesk.engine.errors import InputError
from normdesk.sync.errors import UnsafeKey
from normdesk.sync.keys import MAX_KEY_BYTES, check_download_key, local_path_for, parse_s3_url, sanitize_part, upload_key

HOSTILE = [
    "../escape.csv",
    "a/../../escape.csv",
    "a/./b.csv",
    "/etc/passwd",
    "C:/Windows/win.ini",
    "c:evil.csv",
    "dir\\..\\evil.csv",
    "CON",
    "data/nul.csv",
    "lpt1.txt",
    "a//b.csv",
    "trailing./x.csv",
    "x/space ",
    "bad\x00name.csv",
    "new\nline.csv",
    "pipe|name.csv",
    "a" * 1100,
    "dir/" + "b" * 230 + ".csv",
    "",
]


@pytest.mark.parametrize("key", HOSTILE)
def test_hostile_download_keys_are_refused_with_one_line(key, tmp_path):
    with pytest.raises(UnsafeKey) as info:
        local_path_for(tmp_path, "bucket", key)
    message = str(info.value)
    assert "\n" not in message and message.startswith("refusing")
    assert isinstance(info.value, InputError)  # the job queue fails at once on bad input
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["contacts.csv", "team/in/2026-01/contacts v2.csv", "ünïcode/naïve.csv", "a.b.c/d-e_f.csv"])
def test_ordinary_keys_stay_inside_the_root(key, tmp_path):
    path = local_path_for(tmp_path, "bucket", key)
    assert path.is_relative_to(tmp_path.resolve() / "bucket")
    assert path.name == key.rsplit("/", 1)[-1]
    assert check_download_key(key) == key.split("/")


def test_symlink_inside_the_root_cannot_lead_outside(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "bucket").mkdir(parents=True)
    outside.mkdir()
    (root / "bucket" / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeKey, match="outside the data folder"):
        local_path_for(root, "bucket", "link/file.csv")


@pytest.mark.parametrize(
    ("prefix", "job", "name", "expected"),
    [
        ("team/in", "01J9", "contacts.normalized.csv", "team/in/01J9/contacts.normalized.csv"),
        ("", "01J9", "my file (1).csv", "01J9/my_file_1_.csv"),
        ("/a//b/", "01J9", "../../etc/passwd", "a/b/01J9/passwd"),
        ("..", "..", "..", "file/job/file"),
        ("x", "j", "CON.csv", "x/j/_CON.csv"),
        ("x", "j", "C:\\Users\\me\\book.xlsx", "x/j/book.xlsx"),
    ],
)
def test_upload_keys_are_sanitized(prefix, job, name, expected):
    assert upload_key(prefix, job, name) == expected


def test_long_upload_names_are_cut_but_keep_their_extension():
    part = sanitize_part("x" * 500 + ".csv")
    assert len(part) <= 200 and part.endswith(".csv")


def test_sanitized_upload_keys_are_always_safe_to_download(tmp_path):
    names = ["../../a.csv", "\\\\server\\share\\b.csv", "nul", "ok.csv", "é" * 300, ". .", "a:b*c?.csv"]
    for name in names:
        local_path_for(tmp_path, "bucket", upload_key("p/q", "job-1", name))


@pytest.mark.parametrize("url", ["s3://bucket", "http://bucket/key", "s3:///key", "s3://Bad_Bucket/key", "bucket/key"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(UnsafeKey):
        parse_s3_url(url)


def test_url_parsing():
    assert parse_s3_url(" s3://my-bucket/a/b c.csv ") == ("my-bucket", "a/b c.csv")


@settings(max_examples=300, deadline=None)
@given(prefix=st.text(max_size=80), job=st.text(max_size=40), name=st.text(max_size=400))
def test_any_sanitized_upload_key_is_a_safe_download_key(prefix, job, name):
    key = upload_key(prefix, job, name)
    parts = check_download_key(key)
    assert len(parts) >= 2 and all(p not in ("", ".", "..") for p in parts)
    assert len(key.encode()) <= MAX_KEY_BYTES


@settings(max_examples=300, deadline=None)
@given(key=st.text(min_size=1, max_size=300))
def test_any_accepted_download_key_stays_inside_the_root(tmp_path_factory, key):
    root = tmp_path_factory.getbasetemp() / "hypothesis-root"
    try:
        path = local_path_for(root, "bucket", key)
    except UnsafeKey:
        return
    assert path.is_relative_to(root.resolve() / "bucket") and ".." not in path.parts
