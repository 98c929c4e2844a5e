"""One round trip through the REST API, to copy from: a row made in the
database, read, changed and deleted over HTTP. flask-db-kit's checks test
every operation of every model (`pytest -k flask_db_kit:api`)."""

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_db_kit.api import served_models
from flask_db_kit.factories import RowMaker
from sqlalchemy.orm import scoped_session

{{ cookiecutter.package_name | python_from_import("api", "") }}
{{ (cookiecutter.package_name ~ ".extensions") | python_from_import("db", "") }}

SERVED = served_models(db, api)


@pytest.mark.skipif(not SERVED, reason="the API serves no model")
def test_a_row_reads_and_deletes_over_the_api(
    client: FlaskClient, db_session: scoped_session
) -> None:
    model = SERVED[0]
    row = RowMaker(db_session).make(model)
    db_session.commit()
    url = f"/api/{model.__tablename__}/{row.id}"

    response = client.get(url)
    assert response.status_code == 200
    assert response.json["id"] == row.id

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    db_session.expire_all()
    assert db_session.scalar(sa.select(model).where(model.id == row.id)) is None


def test_the_docs_are_open(app) -> None:
    anonymous = app.test_client()
    assert anonymous.get("/api/").status_code == 200
    assert anonymous.get("/api/openapi.json").json["info"]["version"] == "1"
{%- if cookiecutter.api_auth %}


def test_a_request_without_a_token_is_refused(app) -> None:
    response = app.test_client().get("/api/no-such-table")
    assert response.status_code == 401
    assert response.json["code"] == 401
{%- endif %}
