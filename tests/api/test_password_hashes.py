"""Stored password hashes: Argon2id with OWASP's m = 7 MiB, t = 5 setting, and hashes made with
other parameters rewritten at the next successful login (docs/decisions/004-argon2id-parameters.md).
The database is read and written beside the running server (Server.sql)."""

from apihelpers import LOGIN_FAILED, assert_json

T = "/api/auth/token/"
CURRENT_PREFIX = "$argon2id$v=19$m=7168,t=5,p=1$"
# Made with libsodium's crypto_pwhash_str_alg(..., opslimit 2, memlimit 19 MiB, ARGON2ID13): the
# parameters of taskapi's first version, for the password below.
OLD_PASSWORD = "old-params-password-1"
OLD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$M9nf7SS57Bgmdy6Jyg9p7A$Mn/xR/hYRyd/lRfTEvZEM/vDMhzXfqnqNzMffDTV4a0"


def stored_hash(srv, username):
    return srv.sql("SELECT password_hash FROM users WHERE username = :u", u=username)[0][0]


def set_stored_hash(srv, username, password_hash):
    srv.sql("UPDATE users SET password_hash = :h WHERE username = :u", h=password_hash, u=username)


def login(srv, username, password):
    return srv.post(T, {"username": username, "password": password})


def test_new_users_get_the_current_parameters(server_factory):
    srv = server_factory(users=(("alice", "alice-password-1", {}),), start=False)
    assert stored_hash(srv, "alice").startswith(CURRENT_PREFIX), stored_hash(srv, "alice")


def test_login_rewrites_a_hash_with_older_parameters_once(server_factory):
    srv = server_factory(users=(("alice", "alice-password-1", {}),))
    set_stored_hash(srv, "alice", OLD_HASH)

    # A failed login never writes.
    assert_json(login(srv, "alice", "alice-password-1"), 401, LOGIN_FAILED)
    assert stored_hash(srv, "alice") == OLD_HASH

    r = login(srv, "alice", OLD_PASSWORD)
    assert r.status_code == 200, r.text
    upgraded = stored_hash(srv, "alice")
    assert upgraded.startswith(CURRENT_PREFIX), upgraded

    # The new hash is of the same password, and it is kept from now on.
    r = login(srv, "alice", OLD_PASSWORD)
    assert r.status_code == 200, r.text
    assert stored_hash(srv, "alice") == upgraded
    assert_json(login(srv, "alice", "alice-password-1"), 401, LOGIN_FAILED)


def test_the_cli_password_change_writes_the_current_parameters(server_factory):
    srv = server_factory(users=(("alice", "alice-password-1", {}),), start=False)
    set_stored_hash(srv, "alice", OLD_HASH)
    res = srv.cli("changepassword", "alice", "--password-stdin", input="brand-new-password-2\n")
    assert res.returncode == 0, res
    assert stored_hash(srv, "alice").startswith(CURRENT_PREFIX)
