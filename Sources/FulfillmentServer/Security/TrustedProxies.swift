import Foundation
import HTTPTypes
import NIOCore

/// Who is asking, as far as the service can tell: the client's IP address (for per-client budgets and the
/// audit log) and whether it reached the shop over https (for `Secure` cookies).
struct RequestClient: Sendable, Hashable {
    var address: String
    var https: Bool
}

/// `TRUSTED_PROXIES`: the load balancers and reverse proxies allowed to say who the client is. A connection
/// from one of them names the client with `X-Forwarded-For` (read from the right: the nearest address that is
/// not itself a trusted proxy) and the scheme with `X-Forwarded-Proto` (the last value, set by the nearest
/// proxy). From anyone else both headers are ignored: a client cannot name itself someone else.
struct TrustedProxies: Sendable, Hashable {
    let networks: [IPNetwork]
    /// Whether the shop's public address is https (`PUBLIC_URL`): then customers reach it over https through
    /// whatever terminates TLS, and cookies are always `Secure`.
    let publicURLIsHTTPS: Bool

    init(networks: [IPNetwork] = [], publicURLIsHTTPS: Bool = false) {
        self.networks = networks
        self.publicURLIsHTTPS = publicURLIsHTTPS
    }

    /// Parses `TRUSTED_PROXIES`: addresses or networks (`10.0.0.0/8`, `::1`), comma-separated.
    init(setting: String, publicURLIsHTTPS: Bool) throws(IPNetwork.ParseError) {
        var networks: [IPNetwork] = []
        for entry in setting.split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { networks.append(try IPNetwork(parsing: text)) }
        }
        self.init(networks: networks, publicURLIsHTTPS: publicURLIsHTTPS)
    }

    func trusts(_ address: String) -> Bool {
        guard !networks.isEmpty, let bytes = IPNetwork.bytes(of: address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client behind a request that arrived from `peer` (the TCP peer's address).
    func client(peer: String?, headers: HTTPFields) -> RequestClient {
        let peer = peer ?? "unknown"
        guard trusts(peer) else { return RequestClient(address: peer, https: publicURLIsHTTPS) }
        var address = peer
        let forwarded = headers[values: HTTPField.Name("X-Forwarded-For")!]
            .flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in forwarded.reversed() {
            guard IPNetwork.bytes(of: hop) != nil else { break }
            address = hop
            if !trusts(hop) { break }
        }
        let proto = headers[values: HTTPField.Name("X-Forwarded-Proto")!].last?
            .split(separator: ",").last?.trimmingCharacters(in: .whitespaces).lowercased()
        return RequestClient(address: address, https: publicURLIsHTTPS || proto == "https")
    }
}

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `fd00::/8`; a bare address is a network of one).
struct IPNetwork: Sendable, Hashable {
    let address: [UInt8]
    let prefixLength: Int

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let bytes = Self.bytes(of: parts[0]) else {
            throw ParseError(description: "\(text) is not an IP address or network (10.0.0.0/8, ::1)")
        }
        let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let length, (0...bytes.count * 8).contains(length) else {
            throw ParseError(description: "\(text): the prefix length must be 0 to \(bytes.count * 8)")
        }
        address = bytes
        prefixLength = length
    }

    func contains(_ bytes: [UInt8]) -> Bool {
        // An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) is the IPv4 address.
        let bytes = bytes.count == 16 && address.count == 4 && bytes.prefix(12) == Self.mappedPrefix[...] ? Array(bytes.suffix(4)) : bytes
        guard bytes.count == address.count else { return false }
        var remaining = prefixLength
        for index in address.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != address[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    private static let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]

    /// The address's bytes (4 or 16), or `nil` when `text` is not an IP address.
    static func bytes(of text: String) -> [UInt8]? {
        guard text.utf8.count <= 64, let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        // NIO parses (inet_pton); the address sits in the sockaddr at a fixed offset: after family and port
        // in a sockaddr_in, after those and the flow label in a sockaddr_in6.
        let range: Range<Int>
        switch address {
        case .v4: range = 4..<8
        case .v6: range = 8..<24
        case .unixDomainSocket: return nil
        }
        return address.withSockAddr { pointer, size in
            size >= range.upperBound ? Array(UnsafeRawBufferPointer(start: pointer, count: size)[range]) : nil
        }
    }
}
