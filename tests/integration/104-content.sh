# 104-content: unicode and emoji prompts, temperatures 0.7, 1, 1e-7 and
# absent (the request hash must match the enclave's), multimodal parts.
devnet_start
veil_login
veil_start
node_client chat.mjs unicode
node_client chat.mjs temperatures
node_client chat.mjs multimodal
