// CPcap: libpcap (Debian libpcap-dev) for live capture, BPF and the bare-read benchmark baseline.
#include <pcap/pcap.h>
