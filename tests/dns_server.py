"""A real DNS server for the tests: UDP on 127.0.0.1 (a free port), answering from a zone file with
dnspython's message and zone classes. Names under ``slow.mx-fixture.net.`` are never answered (a timeout)."""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone

ZONE = """
$ORIGIN mx-fixture.net.
$TTL 300
@          SOA  ns.mx-fixture.net. admin.mx-fixture.net. 1 3600 600 86400 60
@          NS   ns.mx-fixture.net.
ns         A    127.0.0.1
mail-ok    MX   10 mx.mail-ok.mx-fixture.net.
mx.mail-ok A    127.0.0.2
a-only     A    127.0.0.3
v6-only    AAAA ::1
null-mx    MX   0 .
no-records TXT  "nothing to deliver to"
short-ttl  60 MX 10 mx.mail-ok.mx-fixture.net.
"""


class DnsServer:
    """``with DnsServer() as server: ... server.address`` ("127.0.0.1:PORT"); ``server.queries``
    lists the (name, type) pairs asked, in order."""

    def __init__(self, zone_text: str = ZONE) -> None:
        self.zone = dns.zone.from_text(zone_text, relativize=False)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.queries: list[tuple[str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> DnsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            question = query.question[0]
            self.queries.append((question.name.to_text(omit_final_dot=True), dns.rdatatype.to_text(question.rdtype)))
            if question.name.is_subdomain(dns.name.from_text("slow.mx-fixture.net.")):
                continue
            self.sock.sendto(self._answer(query).to_wire(), peer)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        node = self.zone.get_node(question.name)
        if node is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            rdataset = node.get_rdataset(dns.rdataclass.IN, question.rdtype)
            if rdataset is not None:
                rrset = response.find_rrset(response.answer, question.name, dns.rdataclass.IN, question.rdtype,
                                            create=True)
                rrset.update(rdataset)
        if not response.answer:
            soa = self.zone.find_rrset(self.zone.origin, dns.rdatatype.SOA)
            response.authority.append(soa)
        return response
