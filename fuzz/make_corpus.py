#!/usr/bin/python3
"""Writes the seed corpora of the fuzz harnesses (fuzz/corpus/<harness>/) from the DRF contract
transcript, plus a few hand-written seeds per harness.

Usage: fuzz/make_corpus.py [TRANSCRIPT]
TRANSCRIPT defaults to ../shared/reference/drf/contract.txt relative to the repository root.

The transcript normalizes tokens to <jwt:TYPE USER> and <crafted jwt:...>; real tokens are minted
here with the harnesses' fixed key and instant (fuzz/fuzz_common.hpp: kSigningKey, kNow), so that
the seeds reach the code behind signature checks. Each seed file starts with the harness's mode or
Content-Type selector byte where the harness has one (see the comment at the top of each
fuzz/<harness>.cpp). Standard library only; the output is deterministic.
"""

import argparse
import ast
import base64
import hashlib
import hmac
import json
import pathlib
import re
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"

# Keep in sync with fuzz/fuzz_common.hpp.
SIGNING_KEY = b"fuzz-signing-key-not-a-secret-0123456789"
NOW = 1795713605
JTI = "0123456789abcdef0123456789abcdef"
STANDARD_HEADER = '{"alg":"HS256","typ":"JWT"}'
USERS = {"alice": 1, "bob": 2}

# The most seeds a harness gets from the transcript (the hand-written ones come on top).
LIMITS = {
    "task_body_fuzzer": 50,
    "jwt_fuzzer": 15,
    "authorization_header_fuzzer": 25,
    "form_multipart_fuzzer": 10,
    "router_fuzzer": 60,
    "request_reader_fuzzer": 0,
}


def seed_key(harness, data):
    """Seeds with the same key are alike: only the first is kept. The router's seeds differ by
    method, target and Accept (the Authorization header of the first one comes along)."""
    if harness == "router_fuzzer":
        # Task ids of one to three digits are all alike; long ones (int64 limits) are not.
        return re.sub(rb"/\d{1,3}/", b"/N/", b"\n".join(data.split(b"\n")[:3]))
    return data


# --- tokens ----------------------------------------------------------------------------------

def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(token_type="access", user_id=1, exp=NOW + 300, iat=NOW, jti=JTI, drop=(), extra=None):
    """A payload in SimpleJWT's claim order, compact like encode_hs256 writes it."""
    items = [("token_type", token_type), ("exp", exp), ("iat", iat), ("jti", jti),
             ("user_id", user_id)]
    payload = {k: v for k, v in items if k not in drop}
    payload.update(extra or {})
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def sign(payload, header=STANDARD_HEADER, key=SIGNING_KEY, digest=hashlib.sha256):
    signing_input = b64url(header) + "." + b64url(payload)
    if digest is None:
        return signing_input + "."
    return signing_input + "." + b64url(hmac.new(key, signing_input.encode(), digest).digest())


# What each <crafted jwt:...> of the transcript was, by exchange name.
CRAFTED = {
    "refresh.expired": lambda: sign(claims("refresh", exp=NOW - 60, iat=NOW - 86460)),
    "refresh.other_key": lambda: sign(claims("refresh", exp=NOW + 86400), key=b"another-key"),
    "refresh.unknown_user": lambda: sign(claims("refresh", user_id=999999, exp=NOW + 86400)),
    "auth.expired_looking_token": lambda: sign(claims(exp=NOW - 60), key=b"x"),
    "auth.expired_token": lambda: sign(claims(exp=NOW - 60, iat=NOW - 360)),
    "auth.alg_none": lambda: sign(claims(), header='{"alg":"none","typ":"JWT"}', digest=None),
    "auth.other_key": lambda: sign(claims(), key=b"another-key-0123456789"),
    "auth.hs512_same_key": lambda: sign(claims(), header='{"alg":"HS512","typ":"JWT"}',
                                        digest=hashlib.sha512),
    "auth.crafted_valid": lambda: sign(claims(jti="f" * 32)),
    "auth.crafted_no_type": lambda: sign(claims(drop=("token_type",))),
    "auth.crafted_no_jti": lambda: sign(claims(drop=("jti",))),
    "auth.crafted_no_exp": lambda: sign(claims(drop=("exp",))),
    "auth.crafted_no_user_id": lambda: sign(claims(drop=("user_id",))),
    "auth.crafted_unknown_user": lambda: sign(claims(user_id=999999)),
    "auth.crafted_user_id_string": lambda: sign(claims(user_id="1")),
    "auth.crafted_user_id_non_numeric": lambda: sign(claims(user_id="abc")),
    "auth.crafted_with_aud": lambda: sign(claims(extra={"aud": "someone"})),
    "auth.crafted_nbf_future": lambda: sign(claims(extra={"nbf": NOW + 3600})),
}


def substitute_tokens(text, exchange):
    """Replaces the transcript's token placeholders with real tokens."""
    def real(match):
        kind, user = match.group(1), match.group(2)
        return sign(claims(kind, user_id=USERS.get(user, 1),
                           exp=NOW + (86400 if kind == "refresh" else 300)))

    text = re.sub(r"<jwt:(access|refresh) (\w+)>", real, text)
    if "<crafted jwt:" in text:
        crafted = CRAFTED.get(exchange, lambda: sign(claims()))()
        text = re.sub(r"<crafted jwt:[^>]*>", crafted, text)
    return text


# --- the transcript --------------------------------------------------------------------------

def expand_repetitions(text):
    """<'c'*N> stands for N repetitions of the character c."""
    return re.sub(r"<'(.)'\*(\d+)>", lambda m: m.group(1) * int(m.group(2)), text)


def parse_transcript(path):
    """Yields one dict per exchange: name, method, target, headers (dict), body (bytes or None)."""
    exchanges = []
    current = None
    body_lines = None
    body_size = 0

    def finish_body():
        nonlocal body_lines
        if current is None or body_lines is None:
            body_lines = None
            return
        first = body_lines[0]
        if first.startswith("bytes b'") or first.startswith('bytes b"'):
            current["body"] = ast.literal_eval(first[len("bytes "):])
        else:
            lines = [substitute_tokens(expand_repetitions(line), current["name"])
                     for line in body_lines]
            # Multi-line bodies (multipart) were sent with CRLF when the byte count says so.
            text = "\n".join(lines)
            if len(lines) > 1 and len("\r\n".join(lines).encode()) == body_size:
                text = "\r\n".join(lines)
            current["body"] = text.encode()
        body_lines = None

    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            header = re.match(r"^=== \[\d+\] (\S+) ===$", line)
            if header:
                finish_body()
                current = {"name": header.group(1), "method": None, "target": None,
                           "headers": {}, "body": None}
                exchanges.append(current)
                continue
            if current is None:
                continue
            if body_lines is not None:
                if line.startswith("< "):
                    finish_body()
                else:
                    body_lines.append(line)
                    continue
            if not line.startswith("> "):
                continue
            content = line[2:]
            body = re.match(r"^body\((\d+) bytes\): ?(.*)$", content)
            if body:
                body_size = int(body.group(1))
                body_lines = [body.group(2)]
            elif current["method"] is None:
                current["method"], _, current["target"] = content.partition(" ")
            else:
                name, _, value = content.partition(":")
                current["headers"][name.strip().lower()] = substitute_tokens(
                    value[1:] if value.startswith(" ") else value, current["name"])
        finish_body()
    return exchanges


# --- the seeds of each harness ---------------------------------------------------------------

TASK_BODY_TYPES = {"application/json": 0, "application/x-www-form-urlencoded": 1,
                   "multipart/form-data": 2, "text/plain": 3, None: 4}


def task_body_selector(content_type):
    if content_type is None:
        return 4
    media = content_type.split(";")[0].strip().lower()
    return TASK_BODY_TYPES.get(media, 3)


def transcript_seeds(exchanges):
    seeds = {name: [] for name in LIMITS}
    for ex in exchanges:
        name = ex["name"]
        headers = ex["headers"]
        ctype = headers.get("content-type")
        if ex["body"] is not None:
            seeds["task_body_fuzzer"].append(
                (name, bytes([task_body_selector(ctype)]) + ex["body"]))
            media = (ctype or "").split(";")[0].strip().lower()
            if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
                seeds["form_multipart_fuzzer"].append(
                    (name, b"\x02" + ctype.encode() + b"\n" + ex["body"]))
            # Refresh bodies carry tokens.
            try:
                refresh = json.loads(ex["body"]).get("refresh")
            except (ValueError, AttributeError):
                refresh = None
            if isinstance(refresh, str) and refresh:
                seeds["jwt_fuzzer"].append((name, b"\x00" + refresh.encode()))
        if "authorization" in headers:
            value = headers["authorization"]
            seeds["authorization_header_fuzzer"].append((name, b"\x00" + value.encode()))
            parts = value.split()
            if len(parts) == 2 and parts[0] == "Bearer" and parts[1].count(".") == 2:
                seeds["jwt_fuzzer"].append((name, b"\x00" + parts[1].encode()))
        if ex["method"]:
            lines = [ex["method"], ex["target"], headers.get("accept", "*/*"),
                     headers.get("authorization", ""), "127.0.0.1:8000", "", ctype or ""]
            seeds["router_fuzzer"].append(
                (name, "\n".join(lines).encode() + b"\n" + (ex["body"] or b"")))
    # Task bodies first: they are what the task serializer is about.
    seeds["task_body_fuzzer"].sort(key=lambda seed: not seed[0].startswith("tasks."))
    return seeds


def hand_written_seeds():
    """Seeds that the transcript does not have: edge cases of each parser."""
    valid = sign(claims())
    seeds = {
        "task_body_fuzzer": [
            ("deep-json", b"\x00" + b'{"title":' + b"[" * 40 + b"]" * 40 + b"}"),
            ("unicode-spaces", b"\x00" + '{"title":"\u3000\u2028 t \u00a0\u0085"}'.encode()),
            ("title-floats", b"\x00" + b'{"title":1e16,"description":-0.0,"completed":1.0}'),
            ("title-small-float", b"\x00" + b'{"title":0.0001,"description":1e-05}'),
            ("escapes", b"\x00" + b'{"title":"\\ud83d\\ude00\\u0001\\"","description":"\\t"}'),
            ("lone-surrogate", b"\x00" + b'{"title":"\\ud800x"}'),
            ("charset-utf-16", b"\x05" + '{"title":"caf\u00e9 \U0001F600"}'.encode("utf-16")),
            ("charset-latin-1", b"\x06" + '{"title":"caf\u00e9 \u00ff"}'.encode("latin-1")),
            ("charset-windows-1252", b"\x07" + b'{"title":"\x80\x81"}'),
            ("charset-utf-32-be", b"\x09" + '{"title":"\u20ac"}'.encode("utf-32-be")),
            ("charset-utf-8-sig", b"\x0a" + b'\xef\xbb\xbf{"title":"bom"}'),
            ("form-percent", b"\x01" + b"title=%E2%9C%93+ok&description=%ff%&completed=off"),
            ("multipart-lf", b"\x02" + b'--XyZ\nContent-Disposition: form-data; name="title"\n\n'
                                       b"lf only\n--XyZ--\n"),
        ],
        "jwt_fuzzer": [
            ("valid-access", b"\x00" + valid.encode()),
            ("crafted-standard", b"\x01" + STANDARD_HEADER.encode() + b"\n" + claims().encode()),
            ("crafted-refresh", b"\x01" + claims("refresh", exp=NOW + 86400).encode()),
            ("crafted-kid-typ", b"\x01" + b'{"typ":"at+jwt","alg":"HS256","kid":"k1"}\n'
                                + claims().encode()),
            ("crafted-crit", b"\x01" + b'{"alg":"HS256","crit":["exp"]}\n' + claims().encode()),
            ("crafted-float-times", b"\x01" + claims(exp=NOW + 300.5, iat=NOW - 0.5).encode()),
            ("crafted-big-times", b"\x01" + claims(exp=10**30, iat=-(10**20)).encode()),
            ("crafted-user-id-padded", b"\x01" + claims(user_id=" +1 ").encode()),
            ("crafted-user-id-null", b"\x01" + claims(user_id=None).encode()),
            ("crafted-nbf-past", b"\x01" + claims(extra={"nbf": NOW - 1}).encode()),
            ("round-trip", b"\x02" + bytes(range(1, 64))),
            ("segments-padding", b"\x03" + b64url(STANDARD_HEADER).encode() + b"==\n"
                                 + b64url(claims()).encode()),
            ("segments-raw", b"\x03" + b"eyJ\n" + b64url(claims()).encode() + b"+/"),
        ],
        "authorization_header_fuzzer": [
            ("absent", b"\x01"),
            ("bearer-tabs", b"\x00" + b"Bearer\t" + valid.encode() + b"\r\n"),
            ("bearer-inactive", b"\x00" + b"Bearer " + sign(claims(user_id=3)).encode()),
            ("payload-valid", b"\x02" + claims().encode()),
            ("payload-inactive", b"\x02" + claims(user_id=3).encode()),
            ("payload-user-id-string", b"\x02" + claims(user_id="2").encode()),
            ("payload-user-id-float", b"\x02" + claims(user_id=1.0).encode()),
        ],
        "form_multipart_fuzzer": [
            ("urlencoded", b"\x00\n" + b"title=a+b&title=c&x&=y&%zz=%41"),
            ("multipart", b"\x01XyZ\n" + b'--XyZ\r\nContent-Disposition: form-data; name="title"'
                                         b"\r\n\r\nvalue\r\n--XyZ--\r\n"),
            ("multipart-quoted", b'\x02Multipart/Form-Data; charset=utf-8; boundary="a b"\n'
                                 b'--a b\r\nContent-Disposition: form-data; name=title\r\n\r\n'
                                 b"x\r\n--a b\r\nContent-Disposition: form-data; name=\"f\"; "
                                 b'filename="f.txt"\r\n\r\nfile\r\n--a b--'),
            ("multipart-unterminated", b"\x01B\n--B\r\nContent-Type: text/plain\r\n\r\nx"),
        ],
        "router_fuzzer": [
            ("indent", b"GET\n/api/tasks/?format=json&x=%20\napplication/json; indent=4\n"
                       b"Bearer " + valid.encode() + b"\n127.0.0.1:8000\n\n\n"),
            ("suffix-slash", b"OPTIONS\n/api/tasks/1.json/\ntext/html;q=0.5, */*\n"
                             b"Bearer " + valid.encode() + b"\n[::1]:80\n203.0.113.9, 198.51.100.7\n\n"),
            ("percent-path", b"PATCH\n/api/tasks/%31%2e/?format=api\n*/*;indent=9\n"
                             b"Bearer " + valid.encode() + b"\nh\n, ,\napplication/json\n"
                             b'{"completed":"on"}'),
            ("put-form", b"PUT\n/api/tasks/3/\n\nBearer " + valid.encode() + b"\n\n\n"
                         b"application/x-www-form-urlencoded\ntitle=t&completed=on"),
            ("delete-other", b"DELETE\n/api/tasks/2\n\nBearer " + valid.encode() + b"\n\n\n\n"),
            ("text-helpers", b"GET\n/api\n\n\n\n\n  -9223372036854775808 \n\xe2\x80\x83+42\xc2\xa0"),
            ("json-indent", b"GET\n/\n\n\n\n\n\n{\"a\":[1,{\"b\":\"\\u00e9\"}],\"c\":-0.0}"),
        ],
        "request_reader_fuzzer": request_reader_seeds(),
    }
    return seeds


def request_reader_seeds():
    """Connections' bytes: chunked framing first. Byte 0 is the read size (bits 0-5, 0 = fill
    the buffer) and the small-limits flag (bit 7)."""
    post = (b"POST /api/tasks/ HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    get = b"GET /api/health/ HTTP/1.1\r\nHost: h\r\n\r\n"
    bodies = {
        "chunks": b"5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
        "leading-zeros": b"0000005\r\n{\"a\":\r\n00002\r\n1}\r\n0000\r\n\r\n",
        "extensions": b"5;a=b;c=\"d e\"\r\n{\"a\":\r\n2;x\r\n1}\r\n0;last=1\r\n\r\n",
        "trailers": b"2\r\n{}\r\n0\r\nAuthorization: Bearer evil\r\nX-T: 1\r\n\r\n",
        "upper-hex": b"A\r\n0123456789\r\n0\r\n\r\n",
        "bare-lf": b"2\n{}\n0\n\n",
    }
    seeds = []
    for name, body in bodies.items():
        seeds.append((name, b"\x00" + post + body + get))
        seeds.append((name + "-bytewise", b"\x01" + post + body))
        seeds.append((name + "-small", b"\x87" + post + body + get))
    seeds += [
        ("pipelined", b"\x05" + get + b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"
                      + get),
        ("expect", b"\x03" + b"POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n"
                   b"Content-Length: 2\r\n\r\n{}"),
        ("http10-chunked", b"\x00" + b"POST /x HTTP/1.0\r\nConnection: keep-alive\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"),
        ("te-and-length", b"\x00" + b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("long-extension", b"\x80" + post + b"1;" + b"e" * 400 + b"\r\na\r\n0\r\n\r\n"),
        ("http10-keep-alive", b"\x02" + b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + get),
    ]
    return seeds


def write(seeds_by_harness):
    total_files = 0
    total_bytes = 0
    for harness, seeds in seeds_by_harness.items():
        out = CORPUS / harness
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        seen = set()
        for name, data in seeds:
            digest = hashlib.sha1(data).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            (out / f"{name}-{digest[:8]}").write_bytes(data)
            total_files += 1
            total_bytes += len(data)
        print(f"{harness}: {len(seen)} seeds")
    print(f"total: {total_files} files, {total_bytes} bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("transcript", nargs="?",
                        default=str(ROOT / ".." / "shared" / "reference" / "drf" / "contract.txt"))
    args = parser.parse_args()
    transcript = pathlib.Path(args.transcript)
    if not transcript.is_file():
        sys.exit(f"make_corpus.py: no transcript at {transcript}")
    exchanges = parse_transcript(transcript)
    from_transcript = transcript_seeds(exchanges)
    extra = hand_written_seeds()
    seeds = {}
    for harness, limit in LIMITS.items():
        unique = []
        seen = set()
        for name, data in from_transcript[harness]:
            key = seed_key(harness, data)
            if key not in seen:
                seen.add(key)
                unique.append((name, data))
        seeds[harness] = unique[:limit] + extra.get(harness, [])
    write(seeds)


if __name__ == "__main__":
    main()
