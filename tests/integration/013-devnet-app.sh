# 013-devnet-app: the Chat app's /cli-auth page posts the bundle to a
# loopback redirect_uri with fetch() and reports in #status; any other
# redirect_uri is refused with 400.
# tls: yes
devnet_start
get() {
	STATUS=$(devnet_curl -o "$T/body" -w '%{http_code}' "$DEVNET_APP$1") ||
	    STATUS=000
}
get '/cli-auth?redirect_uri=http%3A%2F%2F127.0.0.1%3A4567%2Fcb%2Fx1&app_name=opengradient-veil'
expect_status 200
expect_body_contains 'id="status"'
expect_body_contains 'fetch('
expect_body_contains '"Content-Type": "application/json"'
expect_body_contains '"http://127.0.0.1:4567/cb/x1"'
expect_body_contains "\"access_token\": \"$(jget "$T/bundle.json" access_token)\""
expect_body_contains '"type": "opengradient-cli-auth"'
expect_body_contains 'you can close this tab'
get '/cli-auth?redirect_uri=http%3A%2F%2Flocalhost%3A4567&app_name=x'
expect_status 200
for bad in 'http%3A%2F%2Fevil.example%3A4567%2F' 'https%3A%2F%2F127.0.0.1%3A4567%2F' \
    'http%3A%2F%2F127.0.0.1%2F' 'http%3A%2F%2F127.0.0.1.evil.example%3A80%2F' \
    'javascript%3Aalert(1)' ''; do
	get "/cli-auth?redirect_uri=$bad&app_name=x"
	expect_status 400
done
get '/cli-auth?app_name=x'
expect_status 400
# Script injection through app_name stays inside a JSON string.
get '/cli-auth?redirect_uri=http%3A%2F%2F127.0.0.1%3A4567&app_name=%3C%2Fscript%3E%3Cscript%3Ealert(1)'
expect_status 200
expect_body_lacks '</script><script>'
