# 507-quarantine-pinned: a TEE pinned with --tee-id is never replaced behind
# the user's back (issue 16): when its answers fail verification each
# request gets 502 (sent once, never retried elsewhere), the log says it
# would have been quarantined, and nothing is quarantined; --quarantine 0
# likewise only logs.  Before, nothing was logged about a quarantine.
# tls: yes
devnet_start
veil_login
veil_start

relay_requests() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
	jget "$T/stats.json" relay_requests
}

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"pick"}]}'
expect_status 200
tee=$(jget "$T/body" opengradient_verification.tee_id)
idx=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print([g["index"] for g in s["gateways"] if g["tee_id"].lower()==sys.argv[2].lower()][0])' "$DEVNET_STATE" "$tee")
veil_stop

for flags in "--tee-id $tee" "--quarantine 0"; do
	: >"$T/veil.log"
	# shellcheck disable=SC2086
	veil_start $flags
	case $flags in
	--tee-id*) fault tamper-output "$idx"; id=$tee
		why='--tee-id pins it: it stays selected' ;;
	*) fault tamper-output; id='0x[0-9a-f]*'	# whichever is chosen
		why='--quarantine is 0' ;;
	esac
	n0=$(relay_requests)
	for i in 1 2 3; do
		chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"pinned '$i'"}]}'
		expect_status 502
		expect_json error.code verification_failed
	done
	n1=$(relay_requests)
	[ $((n1 - n0)) -eq 3 ] || fail "$flags: $((n1 - n0)) relay requests for 3"
	n=$(grep -c "tee: $id (.*) failed verification (output hash mismatch.*): it would have been quarantined for 60 s, but $why" "$T/veil.log" || true)
	[ "$n" -eq 3 ] || { grep 'tee:' "$T/veil.log" >&2;
	    fail "$flags: $n 'would have been quarantined' lines, expected 3"; }
	! grep -q 'tee: quarantined' "$T/veil.log" || fail "$flags: quarantined"
	api_get /health
	expect_json quarantined '[]'
	api_get /metrics
	! grep -q '^og_veil_quarantines_total [1-9]' "$T/body" ||
	    fail "$flags: a quarantine was counted"
	fault_clear
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"fine"}]}'
	expect_status 200
	veil_stop
done
