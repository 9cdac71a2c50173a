"""Storage backends: the local folder and S3 through boto3 against moto's server on loopback."""
import hashlib
import io

import httpx
import pytest

from agency.storage import LocalStorage, S3Storage, StorageError


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    server = request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("s3_bucket")
    return S3Storage(bucket, "evidence", server)


async def test_round_trip_and_check(store):
    await store.check()
    data = b"%PDF-1.4\n" + bytes(range(256)) * 4000  # ~1 MB
    await store.put_file("cases/1/abc", io.BytesIO(data), "application/pdf")
    assert await store.read("cases/1/abc") == data
    streamed = b"".join([chunk async for chunk in store.stream("cases/1/abc")])
    assert hashlib.sha256(streamed).hexdigest() == hashlib.sha256(data).hexdigest()
    await store.delete("cases/1/abc")


async def test_keys_with_user_paths_are_refused(store):
    with pytest.raises(StorageError):
        await store.put_bytes("../etc/passwd", b"x", "text/plain")


async def test_s3_presigned_url_is_fetchable_over_http(s3_server, s3_bucket):
    store = S3Storage(s3_bucket, "p", s3_server)
    await store.put_bytes("doc/1", b"hello evidence", "text/plain")
    url = await store.presigned_url("doc/1", "Factura Año.txt", "text/plain", expires=60)
    r = httpx.get(url)
    assert r.status_code == 200 and r.content == b"hello evidence"
    assert r.headers["content-disposition"].startswith("attachment;")


async def test_s3_check_fails_for_a_missing_bucket(s3_server):
    store = S3Storage("no-such-bucket", "", s3_server)
    with pytest.raises(Exception):
        await store.check()
