# 120-concurrent: 200 streaming clients at once, each gets its own verified
# answer.
# parallel: no (200 streams verified within --first-byte: needs the CPU)
# tls: yes
devnet_start
veil_login
veil_start
node_client concurrent.mjs 200
