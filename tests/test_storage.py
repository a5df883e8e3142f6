"""Files live in S3-compatible object storage when configured (the test command runs a real SeaweedFS server)."""

import os

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from storages.backends.s3 import S3Storage

pytestmark = pytest.mark.skipif(
    os.environ.get("STORAGE_BACKEND") != "s3", reason="needs the S3 server that make test starts"
)


@pytest.fixture
def bucket():
    client = boto3.client(
        "s3",
        endpoint_url=os.environ["STORAGE_S3_ENDPOINT_URL"],
        aws_access_key_id=os.environ["STORAGE_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["STORAGE_S3_SECRET_KEY"],
        region_name="us-east-1",
    )
    return client, os.environ["STORAGE_S3_BUCKET"]


def test_the_default_storage_is_the_s3_server():
    assert isinstance(default_storage, S3Storage)


def test_a_file_round_trips_through_the_s3_server(bucket):
    client, name = bucket
    content = "Giấy khai sinh — bản quét".encode()

    key = default_storage.save("roundtrip/ban-quet.pdf", ContentFile(content))
    try:
        stored = client.get_object(Bucket=name, Key=key)["Body"].read()  # read back behind Django's back
        with default_storage.open(key, "rb") as fh:
            assert fh.read() == content == stored
        assert default_storage.size(key) == len(content)
    finally:
        default_storage.delete(key)
    assert not default_storage.exists(key)


def test_names_are_never_overwritten(bucket):
    first = default_storage.save("roundtrip/same.pdf", ContentFile(b"one"))
    second = default_storage.save("roundtrip/same.pdf", ContentFile(b"two"))
    try:
        assert first != second
    finally:
        default_storage.delete(first)
        default_storage.delete(second)


def test_objects_are_private_and_urls_are_signed_and_short_lived(bucket):
    import urllib.error
    import urllib.request

    key = default_storage.save("roundtrip/private.pdf", ContentFile(b"%PDF-1.4 private"))
    try:
        signed = default_storage.url(key)
        bare = signed.split("?", 1)[0]
        assert "X-Amz-Signature=" in signed and "X-Amz-Expires=" in signed
        with urllib.request.urlopen(signed) as response:  # noqa: S310 - our local test server
            assert response.read() == b"%PDF-1.4 private"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bare)  # noqa: S310
        assert refused.value.code == 403
    finally:
        default_storage.delete(key)
