"""Helpers shared by the API tests."""


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def error_attrs(response) -> list[str]:
    body = response.json()
    assert body["type"] in ("validation_error", "client_error"), body
    return [error["attr"] for error in body["errors"]]
