"""Graph JSON batching: at most 20 requests, inner statuses, inner throttling, only GETs inside."""

from __future__ import annotations

from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.faults import FaultKind

from .conftest import graph


def _requests(urls: list[str]) -> dict:
    return {"requests": [{"id": str(i + 1), "method": "GET", "url": url} for i, url in enumerate(urls)]}


def test_batch_of_twenty_answers_each_with_its_own_status() -> None:
    with Sandbox("compromised") as sb, graph(sb) as client:
        items = client.get("me/drive/root/delta?$select=id").json()["value"]
        ids = [items[n % len(items)]["id"] for n in range(18)]
        urls = [f"/me/drive/items/{i}/permissions" for i in ids] + ["/me?$select=id", "/me/drive/items/x"]
        response = client.post("$batch", json=_requests(urls))
        assert response.status_code == 200
        answers = {r["id"]: r for r in response.json()["responses"]}
        assert len(answers) == 20
        assert all(answers[str(i)]["status"] == 200 for i in range(1, 20))
        assert answers["19"]["body"]["id"] == client.get("me").json()["id"]
        assert answers["20"]["status"] == 404 and answers["20"]["body"]["error"]["code"] == "itemNotFound"
        assert "value" in answers["1"]["body"]
        assert len([r for r in sb.requests if r.path == "/v1.0/$batch"]) == 1


def test_more_than_twenty_is_a_400_and_duplicate_ids_too() -> None:
    with Sandbox("compromised") as sb, graph(sb) as client:
        response = client.post("$batch", json=_requests(["/me"] * 21))
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "BadRequest" and "20" in response.json()["error"]["message"]
        dup = {"requests": [{"id": "1", "method": "GET", "url": "/me"}, {"id": "1", "method": "GET", "url": "/me"}]}
        assert client.post("$batch", json=dup).status_code == 400
        assert (
            client.post("$batch", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
        )


def test_inner_429_with_retry_after_when_a_fault_says_so() -> None:
    rule = FaultRule("graph", "/v1.0/me/drive/items/*/permissions", "429", retry_after=7, times=2)
    with Sandbox("compromised", faults=[rule]) as sb, graph(sb) as client:
        items = client.get("me/drive/root/delta?$select=id").json()["value"][:4]
        batch = _requests([f"/me/drive/items/{i['id']}/permissions" for i in items])
        answers = sorted(client.post("$batch", json=batch).json()["responses"], key=lambda r: r["id"])
        assert [a["status"] for a in answers] == [429, 429, 200, 200]
        assert answers[0]["headers"]["Retry-After"] == "7"
        assert answers[0]["body"]["error"]["code"] == "TooManyRequests"
        again = client.post("$batch", json=batch).json()["responses"]
        assert {a["status"] for a in again} == {200}


def test_inner_faults_of_every_kind_end_in_an_error_status_or_bad_body() -> None:
    with Sandbox("compromised") as sb, graph(sb) as client:
        kinds: tuple[tuple[FaultKind, int], ...] = (
            ("500", 500),
            ("503", 503),
            ("401", 401),
            ("reset", 504),
            ("hang", 504),
        )
        for kind, expected in kinds:
            sb.set_faults([FaultRule("graph", "/v1.0/me", kind, seconds=0.1, times=1)])
            answer = client.post("$batch", json=_requests(["/me"])).json()["responses"][0]
            assert answer["status"] == expected, kind
        sb.set_faults([FaultRule("graph", "/v1.0/me", "malformed", times=1)])
        answer = client.post("$batch", json=_requests(["/me"])).json()["responses"][0]
        assert isinstance(answer["body"], str)  # not the JSON object a client expects


def test_a_batch_with_anything_but_get_is_refused_whole() -> None:
    with Sandbox("compromised") as sb, graph(sb) as client:
        batch = {
            "requests": [
                {"id": "1", "method": "GET", "url": "/me"},
                {"id": "2", "method": "DELETE", "url": "/me/mailFolders/inbox/messageRules/x"},
            ]
        }
        response = client.post("$batch", json=batch)
        assert response.status_code == 403 and response.json()["error"]["code"] == "accessDenied"
        assert len(sb.refused) == 1 and sb.refused[0].path == "/v1.0/$batch"


def test_outer_faults_apply_to_the_whole_batch() -> None:
    rule = FaultRule("graph", "/v1.0/$batch", "503", retry_after=2, times=1)
    with Sandbox("compromised", faults=[rule]) as sb, graph(sb) as client:
        response = client.post("$batch", json=_requests(["/me"]))
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        assert client.post("$batch", json=_requests(["/me"])).status_code == 200
