# Helpers shared by scripts/bench and scripts/bench-e2e-ab (sourced, not run).

# The Python the load scripts run on, with `requests`.
ensure_venv() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check requests
}

# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits up to 10 s for URL $1 to answer; ends the script if it does not.
wait_for() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }

# Registers a webhook endpoint for checkout.session.completed at the service's URL ($2) with the emulator ($1)
# and prints its signing secret.
register_checkout_endpoint() {
  register_endpoint "$1" "$2" checkout.session.completed
}

# Registers a webhook endpoint for the event types after the first two arguments and prints its secret.
register_endpoint() {
  local emulator=$1 url=$2; shift 2
  local types=(); for type in "$@"; do types+=(-d "enabled_events[]=$type"); done
  curl -s "$emulator/v1/webhook_endpoints" -u sk_test_bench: -d url="$url/webhook" "${types[@]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'
}
