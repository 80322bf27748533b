# 120-concurrent: 200 streaming clients at once, each gets its own verified
# answer.
# parallel: no (200 streams verified at once: needs the CPU)
# tls: yes
devnet_start
veil_login
# --first-byte 0: every stream is held until its verdict, however loaded the
# machine; otherwise a stream og-veil commits after 2 s (issue 11) carries
# no X-OpenGradient-Verified header and the client's check of it fails.
veil_start --first-byte 0
node_client concurrent.mjs 200
