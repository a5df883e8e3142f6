import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/procedures/" in schema["paths"]


def test_api_docs_page_renders(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_procedures_api_searches_without_diacritics(client, catalogue):
    response = client.get("/api/v1/procedures/", {"q": "DANG KY KHAI SINH"})

    assert response.status_code == 200
    assert response.json()["results"][0]["code"] == "1.001193"


def test_procedure_detail_api_has_documents_and_fees(client, catalogue):
    body = client.get("/api/v1/procedures/1.001193/").json()

    assert body["name"] == "Thủ tục đăng ký khai sinh"
    assert body["service_level"] == 4
    assert any(case["documents"] for case in body["cases"])


def test_the_catalogue_api_is_read_only(client, catalogue):
    assert client.post("/api/v1/procedures/", {}).status_code in (401, 403, 405)
