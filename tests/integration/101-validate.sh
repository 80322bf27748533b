# 101-validate: wrongly typed or out-of-range fields are refused with 400
# naming the field, before anything reaches the network.
devnet_start
veil_login
veil_start

bad() {	# bad PARAM JSON
	chat_post "$2"
	expect_status 400
	expect_json error.type veil_error
	expect_json error.param "$1"
}
M='"messages":[{"role":"user","content":"hi"}]'
bad model '{"model":42,'"$M"'}'
bad messages '{"model":"gpt-4.1-mini","messages":"hi"}'
bad messages '{"model":"gpt-4.1-mini","messages":[]}'
bad 'messages[2].content' '{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":7}]}'
bad 'messages[0].role' '{"model":"m","messages":[{"role":"wizard","content":"x"}]}'
bad max_tokens '{"model":"m",'"$M"',"max_tokens":"ten"}'
bad max_tokens '{"model":"m",'"$M"',"max_tokens":-1}'
bad stop '{"model":"m",'"$M"',"stop":42}'
bad stream '{"model":"m",'"$M"',"stream":"yes"}'
bad 'tools[0]' '{"model":"m",'"$M"',"tools":[42]}'
bad temperature '{"model":"m",'"$M"',"temperature":"hot"}'
bad temperature '{"model":"m",'"$M"',"temperature":2.5}'
bad top_p '{"model":"m",'"$M"',"top_p":"x"}'
bad n '{"model":"m",'"$M"',"n":"2"}'
bad 'messages[0].content' '{"model":"m","messages":[{"role":"user","content":"a\ud800"}]}'
python3 -c 'import json; print(json.dumps({"model":"m","messages":[{"role":"user","content":"x"}]*10000}))' >"$T/many.json"
bad messages "@$T/many.json"	# curl reads the file

chat_post '{"model":"m",'
expect_status 400
expect_json error.type veil_error

# null for an optional field means absent.
chat_post '{"model":"gpt-4.1-mini",'"$M"',"temperature":null,"max_tokens":null,"stop":null,"tools":null}'
expect_status 200
expect_header X-OpenGradient-Verified true
