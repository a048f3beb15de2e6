"""Graph endpoints over HTTPS: profiles, paging, removal, export, outbound, $batch, 404/405, headers."""

from __future__ import annotations

import uuid

from pulumi_personal_data.emulator.control_client import EmulatorControl

from .conftest import (
    EXAMPLE_USER_ID,
    FABRIKAM_TENANT_ID,
    INBOUND,
    OUTBOUND_USER,
    PARTNER_TENANT_ID,
    Graph,
    assert_graph_error,
)


def test_api_page_example_returns_204(graph: Graph) -> None:
    response = graph.post(f"{INBOUND}/c228b2ae-c4fb-4eda-9620-7e73dddd1cac/removePersonalData")
    assert response.status_code == 204
    assert response.content == b""


def test_every_response_carries_ids_and_date(graph: Graph) -> None:
    sent = str(uuid.uuid4())
    response = graph.get(INBOUND, headers={"client-request-id": sent})
    assert response.status_code == 200
    assert response.headers["client-request-id"] == sent
    uuid.UUID(response.headers["request-id"])
    assert response.headers["date"].endswith("GMT")
    assert "x-ms-ags-diagnostic" in response.headers
    error = graph.get("/no/such/thing", headers={"client-request-id": sent})
    assert error.headers["client-request-id"] == sent and "date" in error.headers


def test_list_pages_with_next_link_until_absent(graph: Graph) -> None:
    seen: list[str] = []
    url = f"{INBOUND}?$top=7"
    pages = 0
    while url:
        response = graph.get(url)
        assert response.status_code == 200
        body = response.json()
        assert len(body["value"]) <= 7
        seen += [p["userId"] for p in body["value"]]
        url = body.get("@odata.nextLink", "")
        pages += 1
    assert pages == 5
    assert len(seen) == len(set(seen)) == 30
    assert EXAMPLE_USER_ID in seen
    assert {p for p in seen} and sorted(seen) == seen


def test_profiles_span_several_home_tenants(graph: Graph) -> None:
    body = graph.get(INBOUND).json()
    tenants = [p["homeTenantId"] for p in body["value"]]
    assert tenants.count(PARTNER_TENANT_ID) >= 5
    assert FABRIKAM_TENANT_ID in tenants
    assert set(body["value"][0]) >= {"userId", "userPrincipalName", "displayName", "homeTenantId"}


def test_bad_top_is_400(graph: Graph) -> None:
    assert_graph_error(graph.get(f"{INBOUND}?$top=0"), 400, "BadRequest")
    assert_graph_error(graph.get(f"{INBOUND}?$top=abc"), 400, "BadRequest")
    assert_graph_error(graph.get(f"{INBOUND}?$skiptoken=%%%"), 400, "BadRequest")


def test_get_profile(graph: Graph) -> None:
    response = graph.get(f"{INBOUND}/{EXAMPLE_USER_ID}")
    assert response.status_code == 200
    body = response.json()
    assert body["userId"] == EXAMPLE_USER_ID
    assert body["homeTenantId"] == PARTNER_TENANT_ID
    assert body["userPrincipalName"].endswith(".example")


def test_get_is_case_insensitive_on_the_guid(graph: Graph) -> None:
    assert graph.get(f"{INBOUND}/{EXAMPLE_USER_ID.upper()}").status_code == 200


def test_unknown_profile_is_404(graph: Graph) -> None:
    missing = str(uuid.uuid4())
    assert_graph_error(graph.get(f"{INBOUND}/{missing}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph.remove(missing), 404, "Request_ResourceNotFound")


def test_non_guid_user_id_is_400(graph: Graph) -> None:
    assert_graph_error(graph.get(f"{INBOUND}/not-a-guid"), 400, "BadRequest")
    assert_graph_error(graph.remove("not-a-guid"), 400, "BadRequest")


def test_remove_with_a_body_is_400(graph: Graph, ctl: EmulatorControl) -> None:
    assert_graph_error(graph.remove(EXAMPLE_USER_ID, json={}), 400, "BadRequest")
    assert_graph_error(graph.remove(EXAMPLE_USER_ID, data=b"x"), 400, "BadRequest")
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"


def test_export_returns_202_with_location(graph: Graph, ctl: EmulatorControl) -> None:
    response = graph.post(
        f"{INBOUND}/{EXAMPLE_USER_ID}/exportPersonalData",
        json={"storageLocation": "https://storage.example/container?sv=fake"},
    )
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.startswith(graph.server.graph_url + "/dataPolicyOperations/")
    operation = graph.get(location).json()
    assert operation["userId"] == EXAMPLE_USER_ID
    assert operation["status"] == "running"  # the session emulator only processes on demand
    assert ctl.profile_state(EXAMPLE_USER_ID) == "present"


def test_export_needs_storage_location(graph: Graph) -> None:
    path = f"{INBOUND}/{EXAMPLE_USER_ID}/exportPersonalData"
    assert_graph_error(graph.post(path), 400, "BadRequest")
    assert_graph_error(graph.post(path, json={"storageLocation": 3}), 400, "BadRequest")
    assert_graph_error(graph.post(path, data=b"{nope"), 400, "BadRequest")
    assert_graph_error(graph.get(f"/dataPolicyOperations/{uuid.uuid4()}"), 404, "Request_ResourceNotFound")


def test_outbound_side(graph: Graph, ctl: EmulatorControl) -> None:
    listed = graph.get("/directory/outboundSharedUserProfiles").json()["value"]
    assert {"userId": OUTBOUND_USER} in listed
    assert (
        graph.get(f"/directory/outboundSharedUserProfiles/{OUTBOUND_USER}").json()["userId"] == OUTBOUND_USER
    )
    tenants = graph.get(f"/directory/outboundSharedUserProfiles/{OUTBOUND_USER}/tenants").json()["value"]
    assert {"tenantId": PARTNER_TENANT_ID} in tenants and len(tenants) == 2
    base = f"/directory/outboundSharedUserProfiles/{OUTBOUND_USER}/tenants"
    assert graph.post(f"{base}/{PARTNER_TENANT_ID}/removePersonalData").status_code == 204
    assert graph.post(f"{base}/{PARTNER_TENANT_ID}/removePersonalData").status_code == 204
    assert_graph_error(
        graph.post(f"{base}/{uuid.uuid4()}/removePersonalData"), 404, "Request_ResourceNotFound"
    )
    assert_graph_error(graph.post(f"{base}/not-a-guid/removePersonalData"), 400, "BadRequest")
    assert ctl.process_pending() == 1
    assert_graph_error(
        graph.post(f"{base}/{PARTNER_TENANT_ID}/removePersonalData"), 404, "Request_ResourceNotFound"
    )
    remaining = graph.get(f"{base}").json()["value"]
    assert remaining == [{"tenantId": FABRIKAM_TENANT_ID}]
    assert graph.post(f"{base}/{FABRIKAM_TENANT_ID}/removePersonalData").status_code == 204
    ctl.process_pending()
    assert_graph_error(
        graph.get(f"/directory/outboundSharedUserProfiles/{OUTBOUND_USER}"), 404, "Request_ResourceNotFound"
    )


def test_unknown_path_and_v1_are_404_with_graph_body(graph: Graph) -> None:
    assert_graph_error(graph.get("/no/such/thing"), 404, "UnknownResource")
    v1 = graph.session.get(
        graph.server.base_url + "/v1.0/directory/inboundSharedUserProfiles",
        verify=str(graph.server.ca_path),
        timeout=10,
    )
    assert_graph_error(v1, 404, "UnknownResource")
    root = graph.session.get(graph.server.base_url + "/", verify=str(graph.server.ca_path), timeout=10)
    assert_graph_error(root, 404, "UnknownResource")


def test_wrong_method_is_405_with_graph_body(graph: Graph) -> None:
    error = graph.request("DELETE", f"{INBOUND}/{EXAMPLE_USER_ID}")
    assert_graph_error(error, 405, "MethodNotAllowed")
    assert_graph_error(graph.get(f"{INBOUND}/{EXAMPLE_USER_ID}/removePersonalData"), 405, "MethodNotAllowed")
    assert_graph_error(graph.request("PUT", "/$batch"), 405, "MethodNotAllowed")


def test_control_prefix_is_not_reachable_from_graph(graph: Graph) -> None:
    assert_graph_error(graph.post("/_emulator/reset"), 404, "UnknownResource")


def test_batch_mixed_results_in_any_order(graph: Graph, ctl: EmulatorControl) -> None:
    missing = str(uuid.uuid4())
    requests_ = [
        {"id": "1", "method": "POST", "url": f"{INBOUND}/{EXAMPLE_USER_ID}/removePersonalData"},
        {
            "id": "2",
            "method": "POST",
            "url": f"directory/inboundSharedUserProfiles/{missing}/removePersonalData",
        },
        {"id": "3", "method": "GET", "url": f"{INBOUND}?$top=2"},
        {
            "id": "4",
            "method": "POST",
            "url": f"{INBOUND}/{EXAMPLE_USER_ID}/removePersonalData",
            "body": {"x": 1},
            "headers": {"Content-Type": "application/json"},
        },
        {"id": "5", "method": "GET", "url": "/nothing/here"},
        {"id": "6", "method": "DELETE", "url": f"{INBOUND}/{EXAMPLE_USER_ID}"},
    ]
    response = graph.post("/$batch", json={"requests": requests_})
    assert response.status_code == 200
    answers = {r["id"]: r for r in response.json()["responses"]}
    assert answers["1"]["status"] == 204 and "body" not in answers["1"]
    assert answers["2"]["status"] == 404
    assert answers["2"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert answers["3"]["status"] == 200 and len(answers["3"]["body"]["value"]) == 2
    assert answers["4"]["body"]["error"]["code"] == "BadRequest"
    assert answers["5"]["status"] == 404 and answers["6"]["status"] == 405
    assert ctl.profile_state(EXAMPLE_USER_ID) == "pending"
    operations = [e.operation for e in ctl.journal()]
    assert "batch" in operations and "batch:inboundSharedUserProfile.removePersonalData" in operations


def test_batch_limits(graph: Graph) -> None:
    item = {"method": "GET", "url": INBOUND}
    too_many = [{"id": str(i), **item} for i in range(21)]
    assert_graph_error(graph.post("/$batch", json={"requests": too_many}), 400, "BadRequest")
    exactly_20 = graph.post("/$batch", json={"requests": too_many[:20]})
    assert exactly_20.status_code == 200 and len(exactly_20.json()["responses"]) == 20
    assert_graph_error(graph.post("/$batch", json={"requests": []}), 400, "BadRequest")
    duplicate = [{"id": "a", **item}, {"id": "a", **item}]
    assert_graph_error(graph.post("/$batch", json={"requests": duplicate}), 400, "BadRequest")
    absolute = [{"id": "a", "method": "GET", "url": "https://graph.microsoft.com/beta/me"}]
    assert_graph_error(graph.post("/$batch", json={"requests": absolute}), 400, "BadRequest")
    assert_graph_error(graph.post("/$batch", data=b"not json"), 400, "BadRequest")


def test_batch_needs_a_token(graph: Graph) -> None:
    response = graph.post(
        "/$batch", token="", json={"requests": [{"id": "1", "method": "GET", "url": INBOUND}]}
    )
    assert_graph_error(response, 401, "InvalidAuthenticationToken")
