"""The only package that talks HTTP: kubeconfig files read and merged as client-go does
(kubeconfig), the server, credentials and TLS kubectl would choose (config), proxies and
SOCKS5 (proxy), REST (transport), exec (exec), the typed errors (errors) and the Protocol
every client and fake implements. docs/transport.md says why it is not the official client."""
