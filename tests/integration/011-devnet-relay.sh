# 011-devnet-relay: the devnet's relay checks the bearer token, the content
# type and X-TEE-ID, forwards the body to the named gateway (hex in any
# case, 0x optional), says 502 when the gateway is down, and obeys the
# relay-status, relay-close and expire-token faults.
# tls: yes
devnet_start
tok=$(jget "$T/bundle.json" access_token)
tid1=$(jget "$DEVNET_STATE" gateways.1.tee_id)
U=$DEVNET_RELAY/api/v1/chat/ohttp

# relay [curl args]: POST a (meaningless) encapsulated body.
relay() {
	STATUS=$(devnet_curl -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -X POST --data-binary 'not-really-ohttp' "$@" "$U") || STATUS=000
}

relay -H 'Content-Type: message/ohttp-req' -H "X-TEE-ID: $tid1"
expect_status 401
expect_json detail "Invalid or expired token"
relay -H 'Content-Type: message/ohttp-req' -H "X-TEE-ID: $tid1" \
    -H 'Authorization: Bearer nope'
expect_status 401
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: 0x$(printf '%064d' 7)"
expect_status 404
jget "$T/body" detail >/dev/null || fail "no detail"
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok"
expect_status 400
relay -H 'Content-Type: application/json' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $tid1"
expect_status 415

# Forwarded: the gateway itself refuses the garbage (not a relay answer).
up=$(echo "${tid1#0x}" | tr a-f A-F)
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $up" -H 'Accept: message/ohttp-res'
case $STATUS in
4??) ;;
*) fail "forwarded request: status $STATUS" ;;
esac
[ "$STATUS" != 401 ] && [ "$STATUS" != 404 ] || fail "not forwarded"
n=$(devnet_curl "$DEVNET_ADMIN/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["relay_requests"])')
[ "$n" -ge 6 ] || fail "relay_requests $n"

fault relay-status "" 429
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $tid1"
expect_status 429
expect_header Retry-After 7
jget "$T/body" detail >/dev/null || fail "no detail"
fault relay-status "" 500
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $tid1"
expect_status 500
fault_clear

fault relay-close
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $tid1"
expect_status 000
fault_clear

# A registered gateway that is down: 502 from the relay.
devnet_admin /gateway/1/stop
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $tid1"
expect_status 502
expect_json detail "TEE gateway unreachable"
devnet_admin /gateway/1/start
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $tid1"
[ "$STATUS" != 502 ] || fail "gateway restarted but still 502"

fault expire-token
relay -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $tid1"
expect_status 401
expect_json detail "Invalid or expired token"
