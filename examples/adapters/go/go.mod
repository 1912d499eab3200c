module backbeatstdio

go 1.19
