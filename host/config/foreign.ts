// What /etc/config/dhcp holds for others: dnsmasq's sections, and the options
// of odhcpd's RA, NDP and DHCPv4 parts. Known, not ours: skipped without a
// warning, so that a stock OpenWrt file loads quietly.

/** Section types of dnsmasq and odhcpd that this server does not read. */
export const FOREIGN_SECTIONS: ReadonlySet<string> = new Set([
  "dnsmasq",
  "domain",
  "boot",
  "boot6",
  "mac",
  "tag",
  "match",
  "vendorclass",
  "userclass",
  "circuitid",
  "remoteid",
  "subscrid",
  "relay",
  "cname",
  "srvhost",
  "mxhost",
  "hostrecord",
  "ipset",
]);

/** odhcpd's RA/NDP/DHCPv4 options and dnsmasq's options of a `config dhcp` section. */
const DHCP_FOREIGN = [
  // odhcpd: DHCPv4
  "dhcpv4",
  "start",
  "limit",
  "router",
  "dhcpv4_forcereconf",
  // odhcpd: router advertisements
  "ra",
  "ra_default",
  "ra_management",
  "ra_flags",
  "ra_slaac",
  "ra_offlink",
  "ra_preference",
  "ra_advrouter",
  "ra_mininterval",
  "ra_maxinterval",
  "ra_lifetime",
  "ra_useleasetime",
  "ra_reachabletime",
  "ra_retranstime",
  "ra_hoplimit",
  "ra_mtu",
  "ra_dns",
  "ra_pref64",
  "preferred_lifetime",
  "max_preferred_lifetime",
  "max_valid_lifetime",
  // odhcpd: NDP proxy, upstream, prefix delegation helpers, DNR
  "ndp",
  "ndproxy_routing",
  "ndproxy_slave",
  "upstream",
  "prefix_filter",
  "pd_manager",
  "pd_cer",
  "dnr",
  "dns_service",
  "dhcpv6_assignall",
  "dhcpv6_hostidlength",
  // dnsmasq
  "force",
  "netmask",
  "dhcp_option",
  "dhcp_option_force",
  "tag",
  "instance",
];

/** Options of sections this server reads that belong to others, by section type. */
export const FOREIGN_OPTIONS: Readonly<Record<string, ReadonlySet<string>>> = {
  odhcpd: new Set(["legacy", "hostsfile", "piodir"]),
  dhcp: new Set(DHCP_FOREIGN),
  host: new Set(["dns", "broadcast", "tag", "match_tag", "instance"]),
};
