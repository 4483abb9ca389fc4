// FirewallParsers: placeholder until its first file lands.
