"""HTTPS against httpbin with a trustme certificate: verification on, off, and CVE-2024-35195."""

from __future__ import annotations

import hashlib
import shutil
import warnings
from pathlib import Path

import pytest
import trustme
from cryptography import x509

import httpcore_lite
from httpcore_lite.exceptions import InsecureRequestWarning, SSLError
from tests.servers import WSGIServer

TIMEOUT = (3, 10)


def test_verify_with_the_ca_bundle(httpbin_secure: WSGIServer, ca_bundle: str) -> None:
    r = httpcore_lite.get(httpbin_secure + "/get", verify=ca_bundle, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["url"] == httpbin_secure + "/get"


def test_session_verify_setting(httpbin_secure: WSGIServer, ca_bundle: str) -> None:
    with httpcore_lite.Session() as s:
        s.verify = ca_bundle
        assert s.get(httpbin_secure + "/get", timeout=TIMEOUT).status_code == 200


def test_default_verify_uses_certifi_and_fails(httpbin_secure: WSGIServer) -> None:
    with pytest.raises(SSLError) as info:
        httpcore_lite.get(httpbin_secure + "/get", timeout=TIMEOUT)
    error = info.value
    assert isinstance(error, httpcore_lite.ConnectionError)
    assert isinstance(error, httpcore_lite.RequestException)
    assert "unable to get local issuer certificate" in str(error)
    assert error.request is not None
    assert error.request.url == httpbin_secure + "/get"


def test_verify_false_works_and_warns_per_request(httpbin_secure: WSGIServer) -> None:
    with pytest.warns(InsecureRequestWarning) as record, httpcore_lite.Session() as s:
        for _ in range(3):
            assert s.get(httpbin_secure + "/get", verify=False, timeout=TIMEOUT).ok
    insecure = [w for w in record if issubclass(w.category, InsecureRequestWarning)]
    assert len(insecure) == 3
    assert "127.0.0.1" in str(insecure[0].message)


def test_verify_false_module_level(httpbin_secure: WSGIServer) -> None:
    with pytest.warns(InsecureRequestWarning, match="Unverified HTTPS request"):
        r = httpcore_lite.get(httpbin_secure + "/get", verify=False, timeout=TIMEOUT)
    assert r.status_code == 200


def test_no_warning_for_verified_or_plain_requests(
    httpbin: WSGIServer, httpbin_secure: WSGIServer, ca_bundle: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InsecureRequestWarning)
        httpcore_lite.get(httpbin_secure + "/get", verify=ca_bundle, timeout=TIMEOUT)
        httpcore_lite.get(httpbin + "/get", verify=False, timeout=TIMEOUT)


def test_unverified_connection_is_not_reused_for_a_verified_request(
    httpbin_secure: WSGIServer, ca_bundle: str
) -> None:
    httpbin_secure.reset_connections()
    with httpcore_lite.Session() as s:
        with pytest.warns(InsecureRequestWarning):
            assert s.get(httpbin_secure + "/get", verify=False, timeout=TIMEOUT).ok
        assert s.get(httpbin_secure + "/get", verify=ca_bundle, timeout=TIMEOUT).ok
    assert httpbin_secure.connections == 2


def test_verified_request_after_unverified_still_verifies(
    httpbin_secure: WSGIServer,
) -> None:
    # CVE-2024-35195: requests reused the verify=False connection for later requests.
    with httpcore_lite.Session() as s:
        with pytest.warns(InsecureRequestWarning):
            assert s.get(httpbin_secure + "/get", verify=False, timeout=TIMEOUT).ok
        with pytest.raises(SSLError):
            s.get(httpbin_secure + "/get", verify=True, timeout=TIMEOUT)
        with pytest.raises(SSLError):
            s.get(httpbin_secure + "/get", timeout=TIMEOUT)  # the Session default: True


def test_session_verify_false_then_request_verify(
    httpbin_secure: WSGIServer, ca_bundle: str
) -> None:
    httpbin_secure.reset_connections()
    with httpcore_lite.Session() as s:
        s.verify = False
        with pytest.warns(InsecureRequestWarning):
            assert s.get(httpbin_secure + "/get", timeout=TIMEOUT).ok
        assert s.get(httpbin_secure + "/get", verify=ca_bundle, timeout=TIMEOUT).ok
        with pytest.raises(SSLError):
            s.get(httpbin_secure + "/get", verify=True, timeout=TIMEOUT)
    assert httpbin_secure.connections == 2


def test_verified_connections_are_reused(httpbin_secure: WSGIServer, ca_bundle: str) -> None:
    httpbin_secure.reset_connections()
    with httpcore_lite.Session() as s:
        for _ in range(3):
            assert s.get(httpbin_secure + "/get", verify=ca_bundle, timeout=TIMEOUT).ok
        with pytest.warns(InsecureRequestWarning):
            for _ in range(3):
                assert s.get(httpbin_secure + "/get", verify=False, timeout=TIMEOUT).ok
    assert httpbin_secure.connections == 2


# -- CA directories -------------------------------------------------------------------------


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        length = bytes([size])
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def _der_oid(dotted: str) -> bytes:
    first, second, *rest = map(int, dotted.split("."))
    out = bytearray()
    for arc in [40 * first + second, *rest]:
        septets = [arc & 0x7F]
        remaining = arc >> 7
        while remaining:
            septets.append(0x80 | (remaining & 0x7F))
            remaining >>= 7
        out += bytes(reversed(septets))
    return _der(0x06, bytes(out))


def subject_hash(pem: bytes) -> str:
    """OpenSSL's X509_NAME_hash (what ``c_rehash`` names files after): the first four bytes,
    little-endian, of the SHA-1 of the canonical subject (values as lower-cased UTF8String
    with whitespace collapsed, the outer SEQUENCE left out)."""
    subject = x509.load_pem_x509_certificate(pem).subject
    canonical = b"".join(
        _der(
            0x31,
            b"".join(
                _der(
                    0x30,
                    _der_oid(attribute.oid.dotted_string)
                    + _der(0x0C, " ".join(str(attribute.value).split()).lower().encode()),
                )
                for attribute in rdn
            ),
        )
        for rdn in subject.rdns
    )
    return f"{int.from_bytes(hashlib.sha1(canonical).digest()[:4], 'little'):08x}"


def test_subject_hash_matches_openssl(ca_bundle: str) -> None:
    # The helper is checked against the openssl tool where there is one.
    import subprocess

    openssl = shutil.which("openssl")
    pem = Path(ca_bundle).read_bytes()
    ours = subject_hash(pem)
    assert len(ours) == 8
    if openssl is not None:
        out = subprocess.run(
            [openssl, "x509", "-subject_hash", "-noout"],
            input=pem,
            capture_output=True,
            check=True,
            timeout=10,
        )
        assert out.stdout.decode().strip() == ours


def test_verify_with_a_ca_directory(
    httpbin_secure: WSGIServer, ca_bundle: str, tmp_path: Path
) -> None:
    pem = Path(ca_bundle).read_bytes()
    (tmp_path / f"{subject_hash(pem)}.0").write_bytes(pem)
    r = httpcore_lite.get(httpbin_secure + "/get", verify=str(tmp_path), timeout=TIMEOUT)
    assert r.status_code == 200


def test_ca_directory_without_our_ca_fails(httpbin_secure: WSGIServer, tmp_path: Path) -> None:
    with pytest.raises(SSLError, match="unable to get local issuer certificate"):
        httpcore_lite.get(httpbin_secure + "/get", verify=str(tmp_path), timeout=TIMEOUT)


def test_ca_file_path_given_as_pathlike_str(
    httpbin_secure: WSGIServer, ca_bundle: str, tmp_path: Path
) -> None:
    copy = tmp_path / "my ca bundle.pem"
    shutil.copy(ca_bundle, copy)
    r = httpcore_lite.get(httpbin_secure + "/get", verify=str(copy), timeout=TIMEOUT)
    assert r.status_code == 200


# -- bad paths ------------------------------------------------------------------------------


def test_missing_ca_bundle_path(httpbin_secure: WSGIServer, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    with pytest.raises(OSError, match="invalid path") as info:
        httpcore_lite.get(httpbin_secure + "/get", verify=missing, timeout=TIMEOUT)
    assert missing in str(info.value)
    assert isinstance(info.value, httpcore_lite.RequestException)


@pytest.mark.parametrize("as_tuple", [True, False])
def test_missing_client_cert_path(
    httpbin_secure: WSGIServer, ca_bundle: str, tmp_path: Path, as_tuple: bool
) -> None:
    cert = str(tmp_path / "no-such-client.pem")
    key = str(tmp_path / "no-such-client.key")
    with pytest.raises(OSError) as info:
        httpcore_lite.get(
            httpbin_secure + "/get",
            verify=ca_bundle,
            cert=(cert, key) if as_tuple else cert,
            timeout=TIMEOUT,
        )
    message = str(info.value)
    assert "certificate" in message
    assert "invalid path" in message
    assert cert in message
    assert isinstance(info.value, httpcore_lite.RequestException)


def test_missing_client_key_path(
    httpbin_secure: WSGIServer, ca_bundle: str, tls_files: dict[str, str], tmp_path: Path
) -> None:
    key = str(tmp_path / "no-such.key")
    with pytest.raises(OSError, match="key") as info:
        httpcore_lite.get(
            httpbin_secure + "/get",
            verify=ca_bundle,
            cert=(tls_files["cert"], key),
            timeout=TIMEOUT,
        )
    assert key in str(info.value)


def test_https_plain_request_after_tls_error_still_works(
    httpbin_secure: WSGIServer, ca_bundle: str
) -> None:
    with httpcore_lite.Session() as s:
        with pytest.raises(SSLError):
            s.get(httpbin_secure + "/get", timeout=TIMEOUT)
        assert s.get(httpbin_secure + "/get", verify=ca_bundle, timeout=TIMEOUT).ok


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_the_environment_names_the_ca_bundle(
    httpbin_secure: WSGIServer, ca_bundle: str, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv(variable, ca_bundle)
    assert httpcore_lite.get(httpbin_secure.url + "/get").status_code == 200


def test_the_environment_bundle_is_ignored_without_trust_env(
    httpbin_secure: WSGIServer, ca_bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_bundle)
    with httpcore_lite.Session() as s:
        s.trust_env = False
        with pytest.raises(SSLError):
            s.get(httpbin_secure.url + "/get")  # certifi's bundle: our CA is not in it


def test_the_environment_bundle_never_overrides_verify_false(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpbin_secure: WSGIServer
) -> None:
    # requests lets REQUESTS_CA_BUNDLE override a Session's verify=False (its issue 3829);
    # here the environment stands in for verify=True only. The bundle named here does not
    # hold our CA, so a request that used it would fail.
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    with httpcore_lite.Session() as s, warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)
        s.verify = False
        assert s.get(httpbin_secure.url + "/get").status_code == 200
