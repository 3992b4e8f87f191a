"""The password policy: long enough, not the account's own name or 警号, not a common one."""
import gzip
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 10
PASSWORD_POLICY = (f"至少 {MIN_PASSWORD_LENGTH} 位；不能是用户名或警号，不能是常见密码，"
                   "也不能与当前密码相同。")
COMMON_LIST = Path(__file__).with_name("common-passwords.txt.gz")
# Words of this site that an attacker tries first (its name, the demo passwords of old).
LOCAL_WORDS = ("salon2026", "admin2026", "passw0rd!", "p@ssw0rd123", "jingcha110", "gongan110",
               "jingwu2026", "shalong2026")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list (see common-passwords.NOTICE), lowercased, read once per process."""
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip()) | set(LOCAL_WORDS)


def password_problem(password: str, username: str = "", police_no: str | None = None,
                     current_hash_check=None) -> str | None:
    """Why this password may not be used, in Chinese, or None.

    `current_hash_check(password)` says whether it is the account's current password.
    """
    folded = password.strip().casefold()
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位。"
    if username and folded == username.strip().casefold():
        return "密码不能与用户名相同。"
    if police_no and folded == police_no.strip().casefold():
        return "密码不能与警号相同。"
    if folded in common_passwords():
        return "这是常见密码，很容易被猜中，请换一个。"
    if current_hash_check is not None and current_hash_check(password):
        return "新密码不能与当前密码相同。"
    return None
