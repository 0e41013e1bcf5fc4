# Sourced by scripts/demo and scripts/test: makes .venv and installs framekit with $FRAMEKIT_EXTRAS.
# Everything comes from package registries; nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "framekit needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)" >&2
    exit 1
fi

# Debian tools the tests and the offline voice stack use, when this user may install them.
need_apt=()
for tool in ${FRAMEKIT_APT_PACKAGES:-}; do
    dpkg -s "$tool" >/dev/null 2>&1 || need_apt+=("$tool")
done
if ((${#need_apt[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing Debian packages: ${need_apt[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "please install these Debian/Ubuntu packages: ${need_apt[*]}" >&2
    fi
fi

if [ ! -x .venv/bin/python ]; then
    echo "creating .venv"
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
spec="."
[ -n "${FRAMEKIT_EXTRAS:-}" ] && spec=".[${FRAMEKIT_EXTRAS}]"
echo "installing framekit from $spec into .venv"
.venv/bin/python -m pip install --quiet --editable "$spec"
export PATH="$PWD/.venv/bin:$PATH"
