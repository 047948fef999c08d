"""A small local imitation of the GitHub REST API endpoints the guide uses: the API root,
/user (Basic or token auth), /emojis, /search/repositories (with ``text_matches`` when the
Accept header asks for the text-match media type), and 404s in GitHub's shape.

Deterministic: the same request always gets the same answer, so that the guide's examples
can show their output and the tests can check it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

API = "https://api.github.com"
# The one account the docs use. (No real credentials anywhere.)
USER = "octocat"
PASSWORD = "hunter2"
TOKEN = "ghp_example0token"

ROOT = {
    "current_user_url": f"{API}/user",
    "emojis_url": f"{API}/emojis",
    "events_url": f"{API}/events",
    "repository_search_url": f"{API}/search/repositories?q={{query}}{{&page,per_page,sort,order}}",
    "user_url": f"{API}/users/{{user}}",
}
PROFILE = {
    "login": USER,
    "id": 583231,
    "name": "The Octocat",
    "company": "@github",
    "public_repos": 8,
    "followers": 9001,
}
EMOJIS = {
    "+1": "https://github.githubassets.com/images/icons/emoji/unicode/1f44d.png?v8",
    "snake": "https://github.githubassets.com/images/icons/emoji/unicode/1f40d.png?v8",
    "tada": "https://github.githubassets.com/images/icons/emoji/unicode/1f389.png?v8",
}
REPOSITORIES = [
    {"name": "requests", "full_name": "psf/requests", "language": "Python", "stars": 52000},
    {"name": "httpx", "full_name": "encode/httpx", "language": "Python", "stars": 13000},
    {"name": "h11", "full_name": "python-hyper/h11", "language": "Python", "stars": 500},
    {"name": "curl", "full_name": "curl/curl", "language": "C", "stars": 35000},
]
NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
# The media type that asks the search API for the matched terms' positions.
TEXT_MATCH = "application/vnd.github.text-match+json"
UNAUTHORIZED = {
    "message": "Requires authentication",
    "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
}

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI application."""
    path = environ.get("PATH_INFO", "/")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return _json(start_response, "404 Not Found", NOT_FOUND)
    if path == "/":
        return _json(start_response, "200 OK", ROOT)
    if path == "/user":
        if not _authorized(environ.get("HTTP_AUTHORIZATION", "")):
            return _json(start_response, "401 Unauthorized", UNAUTHORIZED)
        return _json(start_response, "200 OK", PROFILE)
    if path == "/emojis":
        return _json(start_response, "200 OK", EMOJIS)
    if path == "/search/repositories":
        text_match = TEXT_MATCH in environ.get("HTTP_ACCEPT", "")
        return _json(start_response, "200 OK", _search(query, text_match))
    return _json(start_response, "404 Not Found", NOT_FOUND)


def _authorized(header: str) -> bool:
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "token" or scheme.lower() == "bearer":
        return credentials == TOKEN
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(credentials).decode().partition(":")
    except ValueError:
        return False
    return (user, password) == (USER, PASSWORD)


def _search(query: dict[str, list[str]], text_match: bool = False) -> dict[str, Any]:
    terms = " ".join(query.get("q", [""])).split()
    items = [repo for repo in REPOSITORIES if _matches(repo, terms)]
    if query.get("sort") == ["stars"]:
        items.sort(key=lambda repo: -int(repo["stars"]))
    if text_match:
        items = [{**repo, "text_matches": _text_matches(repo, terms)} for repo in items]
    return {"total_count": len(items), "incomplete_results": False, "items": items}


def _text_matches(repo: dict[str, Any], terms: list[str]) -> list[dict[str, Any]]:
    """Where the free-text terms occur in the full name, in GitHub's shape."""
    fragment = str(repo["full_name"])
    matches = []
    for term in terms:
        if ":" in term:
            continue  # a qualifier (language:python) matches no text
        start = fragment.lower().find(term.lower())
        if start >= 0:
            text = fragment[start : start + len(term)]
            matches.append({"text": text, "indices": [start, start + len(term)]})
    return [{"property": "full_name", "fragment": fragment, "matches": matches}]


def _matches(repo: dict[str, Any], terms: list[str]) -> bool:
    for term in terms:
        key, _, value = term.partition(":")
        if value and key == "language":
            if str(repo["language"]).lower() != value.lower():
                return False
        elif term.lower() not in str(repo["full_name"]).lower():
            return False
    return True


def _json(start_response: StartResponse, status: str, body: object) -> list[bytes]:
    data = json.dumps(body, indent=2).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Server", "github.com (local imitation)"),
            ("X-GitHub-Media-Type", "github.v3; format=json"),
        ],
    )
    return [data]
