"""LiveSource and the callers: paging, fallbacks, contract checks, error classification."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from conftest import W24, check_output
from convex_activity.collect import collect_activity
from convex_activity.deadline import Deadline
from convex_activity.errors import (
    ArgumentRejected,
    CallTimeout,
    ContractError,
    FunctionFailed,
    MissingFunction,
    SourceUnavailable,
)
from convex_activity.sources.base import TableReport
from convex_activity.sources.callers import ThreadCaller, classify_error
from convex_activity.sources.live import LiveSource
from fakes import FakeConvex, build_documents


@pytest.mark.parametrize("exc, kind", [
    (Exception("[CONVEX Q(tips:list)] Server Error\nCould not find public function for "
               "'tips:list'."), MissingFunction),
    (Exception("Could not find function for 'x:y'"), MissingFunction),
    (Exception("Uncaught Error: Too many documents read in a single function execution"),
     FunctionFailed),
    (Exception("Uncaught Error: Too many bytes read in a single function execution"),
     FunctionFailed),
    (Exception("Too many reads in a single function execution (limit: 4096)"), FunctionFailed),
    (Exception("Scanned too many documents"), FunctionFailed),
    (Exception("ArgumentValidationError: Value does not match validator."), ArgumentRejected),
    (Exception("Validator error: Expected `bigint`, got `5`"), ArgumentRejected),
    (RuntimeError("something else"), FunctionFailed),
    (ConnectionError("refused"), SourceUnavailable),
    (OSError("network unreachable"), SourceUnavailable),
    (Exception("channel closed"), SourceUnavailable),
    (TimeoutError("slow"), CallTimeout),
])
def test_classify_error(exc: Exception, kind: type) -> None:
    error = classify_error(exc, "crimeReports:listSince")
    assert type(error) is kind
    assert error.function == "crimeReports:listSince"
    assert "\n" not in str(error) and str(error).startswith("crimeReports:listSince")


def test_thread_caller_stops_waiting_after_the_budget() -> None:
    gate = threading.Event()

    class Hung:
        def query(self, name: str, args: dict[str, Any]) -> Any:
            gate.wait()

    started = time.monotonic()
    with pytest.raises(CallTimeout, match=r"tips:listSince timed out after 0\.3 s"):
        ThreadCaller(Hung()).call("tips:listSince", {}, 0.3)
    assert time.monotonic() - started < 3
    gate.set()


def test_missing_list_since_falls_back_to_legacy_list_as_degraded() -> None:
    docs = build_documents({
        "crimeReports": [{"_id": "rep_in"}, {"_id": "rep_out", "createdAt": 1772820000000},
                         {"_id": "rep_c", "reportType": "existing_criminal",
                          "criminalId": "crm_1"}],
        "criminals": [{"_id": "crm_1"}],
        "tips": [{"_id": "tip_1"}],
    })
    fake = FakeConvex(docs, missing={"crimeReports:listSince", "tips:listSince",
                                     "criminals:getMany"})
    data = check_output(collect_activity(fake, W24))
    assert sorted(i["id"] for i in data["incidents"]) == ["rep_c", "rep_in"]
    assert [t["id"] for t in data["tips"]] == ["tip_1"]
    assert data["sources"]["crimeReports"]["status"] == "degraded"
    assert data["sources"]["crimeReports"]["function"] == "crimeReports:list"
    assert data["sources"]["tips"]["function"] == "tips:list"
    assert data["sources"]["criminals"]["status"] == "degraded"
    assert data["sources"]["criminals"]["function"] == "criminals:get"
    assert fake.calls_to("criminals:get") == [{"id": "crm_1"}]
    assert [c["id"] for c in data["criminals"]] == ["crm_1"]
    assert data["complete"] is True  # degraded still counts as complete


def test_tips_not_deployed_at_all_is_missing_function() -> None:
    """The origin's bug: tips:list never existed, and tips were silently empty."""
    docs = build_documents({"tips": [{"_id": "tip_1"}]})
    fake = FakeConvex(docs, missing={"tips:listSince", "tips:list"})
    data = check_output(collect_activity(fake, W24))
    assert data["complete"] is False
    tips = data["sources"]["tips"]
    assert tips["status"] == "missing_function"
    assert tips["function"] == "tips:listSince"
    assert tips["error"] == "neither tips:listSince nor tips:list is deployed"


def test_persons_without_get_many_is_missing_function() -> None:
    fake = FakeConvex(build_documents({"tips": [{"_id": "tip_1"}]}),
                      missing={"persons:getMany"})
    data = check_output(collect_activity(fake, W24))
    assert data["sources"]["persons"]["status"] == "missing_function"
    assert data["sources"]["persons"]["function"] == "persons:getMany"
    assert data["tips"][0]["person_id"] == "per_1" and data["tips"][0]["person_name"] is None
    assert data["complete"] is False


def test_legacy_get_treats_malformed_ids_as_not_found() -> None:
    docs = build_documents({"crimeReports": [
        {"_id": "rep_1", "reportType": "existing_criminal", "criminalId": "not-an-id",
         "criminalName": "Denormalized"}]})
    fake = FakeConvex(docs, missing={"criminals:getMany"})
    data = check_output(collect_activity(fake, W24))
    assert data["incidents"][0]["criminal_name"] == "Denormalized"
    assert [(w["code"], w["id"]) for w in data["warnings"]] == [
        ("reference_unresolved", "not-an-id")]
    assert data["complete"] is True


def test_legacy_get_failing_for_another_reason_fails_the_table() -> None:
    """Only a rejected id means "not found": a read limit in criminals:get is a failure."""
    docs = build_documents({
        "crimeReports": [
            {"_id": "rep_1", "reportType": "existing_criminal", "criminalId": "crm_1",
             "criminalName": "Denormalized"},
            {"_id": "rep_2", "reportType": "existing_criminal", "criminalId": "not-an-id"}],
        "criminals": [{"_id": "crm_1"}],
    })

    def read_limit(n: int, args: dict[str, Any]) -> None:
        if args["id"] == "crm_1":
            raise Exception("Uncaught Error: Too many bytes read in a single function execution")

    fake = FakeConvex(docs, missing={"criminals:getMany"}, faults={"criminals:get": read_limit})
    data = check_output(collect_activity(fake, W24))
    assert data["complete"] is False
    criminals = data["sources"]["criminals"]
    assert (criminals["status"], criminals["function"]) == ("failed", "criminals:get")
    assert criminals["error"] == (
        "criminals:get failed: Uncaught Error: Too many bytes read in a single function execution")
    assert fake.calls_to("criminals:get") == [{"id": "crm_1"}]  # fatal: not retried
    assert data["criminals"] == []
    assert [(i["id"], i["criminal_name"]) for i in data["incidents"]] == [
        ("rep_1", "Denormalized"), ("rep_2", None)]


def test_a_retry_that_times_out_names_the_first_failure_too() -> None:
    """Refused, then hung on the retry: the line must not only blame a slow answer."""
    docs = build_documents({"crimeReports": [{"_id": "rep_1"}]})
    gate = threading.Event()

    def refuse_then_hang(n: int, args: dict[str, Any]) -> None:
        if n == 1:
            raise ConnectionError("Connection refused")
        gate.wait()

    fake = FakeConvex(docs, faults={"crimeReports:listSince": refuse_then_hang})
    source = LiveSource(ThreadCaller(fake), call_timeout=0.2, sleep=lambda _: None,
                        retry_delays=(0.0,), description="live fake")
    data = check_output(collect_activity(source, W24))
    gate.set()
    reports = data["sources"]["crimeReports"]
    assert (reports["status"], reports["calls"]) == ("failed", 2)
    assert reports["error"] == (
        "crimeReports:listSince timed out after 0.2 s, after 1 retry; first try: deployment "
        "unreachable: ConnectionError: Connection refused")


def test_a_call_after_the_deadline_is_not_made_and_says_which() -> None:
    fake = FakeConvex(build_documents({"crimeReports": [{"_id": "rep_1"}]}))
    source = LiveSource(ThreadCaller(fake), description="live fake")
    data = check_output(collect_activity(source, W24, deadline=Deadline(0.0)))
    assert fake.calls == []
    assert data["sources"]["tips"]["error"] == (
        "tips:listSince was not called: collection deadline of 0 s exceeded (live fake)")
    assert data["sources"]["tips"]["calls"] == 0


class Scripted:
    """A client answering listSince with a fixed sequence of replies."""

    def __init__(self, replies: list[Any]) -> None:
        self.replies = replies
        self.calls: list[dict[str, Any]] = []

    def query(self, name: str, args: dict[str, Any]) -> Any:
        self.calls.append(args)
        return self.replies[len(self.calls) - 1]


def _pages(source: LiveSource) -> tuple[list[list[dict[str, Any]]], TableReport]:
    report = TableReport()
    pages = list(source.list_window("crimeReports", W24, report, Deadline(10)))
    return pages, report


def test_split_required_short_and_empty_pages_are_followed_to_is_done() -> None:
    doc = build_documents({"crimeReports": [{"_id": "rep_1"}]})["crimeReports"][0]
    client = Scripted([
        {"page": [], "isDone": False, "continueCursor": "a", "pageStatus": "SplitRequired"},
        {"page": [doc], "isDone": False, "continueCursor": "b"},
        {"page": [], "isDone": True, "continueCursor": "c"},
    ])
    pages, report = _pages(LiveSource(ThreadCaller(client)))
    assert [len(p) for p in pages] == [0, 1, 0]
    assert [c["paginationOpts"]["cursor"] for c in client.calls] == [None, "a", "b"]
    assert report.pages == 3 and report.calls == 3


def test_repeated_cursor_is_a_contract_error() -> None:
    client = Scripted([
        {"page": [], "isDone": False, "continueCursor": "a"},
        {"page": [], "isDone": False, "continueCursor": "a"},
    ])
    with pytest.raises(ContractError, match="cursor it had already returned"):
        _pages(LiveSource(ThreadCaller(client)))


@pytest.mark.parametrize("reply", [
    [], {"page": None, "isDone": True}, {"page": [], "isDone": "yes"},
    {"page": [{"no_id": 1}], "isDone": True}, {"page": [], "isDone": False},
])
def test_malformed_pages_are_contract_errors(reply: Any) -> None:
    with pytest.raises(ContractError):
        _pages(LiveSource(ThreadCaller(Scripted([reply]))))


def test_get_many_misaligned_reply_is_a_contract_error() -> None:
    class Short:
        def query(self, name: str, args: dict[str, Any]) -> Any:
            return [None]

    with pytest.raises(ContractError, match="aligned"):
        LiveSource(ThreadCaller(Short())).get_many(
            "criminals", ["crm_1", "crm_2"], TableReport(), Deadline(10))


def test_page_size_is_sent_and_bounded() -> None:
    fake = FakeConvex()
    source = LiveSource(ThreadCaller(fake), page_size=1000)
    list(source.list_window("tips", W24, TableReport(), Deadline(10)))
    assert fake.calls_to("tips:listSince")[0]["paginationOpts"] == {
        "numItems": 1000, "cursor": None}
    with pytest.raises(ValueError):
        LiveSource(ThreadCaller(fake), page_size=1001)


def test_retries_stop_when_the_deadline_cannot_cover_the_pause() -> None:
    class Down:
        def __init__(self) -> None:
            self.calls = 0

        def query(self, name: str, args: dict[str, Any]) -> Any:
            self.calls += 1
            raise ConnectionError("connection refused")

    client = Down()
    source = LiveSource(ThreadCaller(client), retry_delays=(0.05, 0.05, 5.0))
    with pytest.raises(SourceUnavailable, match="no time left to retry"):
        _pages_with_deadline(source, 1.0)
    assert client.calls == 3


def _pages_with_deadline(source: LiveSource, seconds: float) -> None:
    list(source.list_window("tips", W24, TableReport(), Deadline(seconds)))


def test_a_bare_official_client_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    """Its calls hold the GIL, so ThreadCaller's budget cannot end them: say so."""
    fake = FakeConvex(build_documents({"crimeReports": [{"_id": "rep_1"}]}))
    official = type("ConvexClient", (), {"__module__": "convex",
                                         "query": lambda self, n, a: fake.query(n, a)})()
    with caplog.at_level("WARNING", logger="convex_activity.collect"):
        data = check_output(collect_activity(official, W24))
    assert [i["id"] for i in data["incidents"]] == ["rep_1"]
    assert caplog.messages == [
        "collect_activity got a ConvexClient: its calls cannot be timed out in this process; "
        "use open_live_source(settings) (a worker process) for working deadlines"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="convex_activity.collect"):
        collect_activity(fake, W24)
    assert caplog.messages == []
