public import FulfillmentCore
import Foundation
public import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// Sends each email to an SMTP server, one connection per email: EHLO, STARTTLS (or TLS from the start),
/// EHLO again, AUTH PLAIN or LOGIN when a user is configured, MAIL FROM, RCPT TO, DATA (dot-stuffed), QUIT.
/// Hand-written on SwiftNIO and SwiftNIO SSL because no Swift SMTP package is available here. A server that
/// offers no STARTTLS is refused unless the settings say `tls=none`; credentials are never sent before TLS
/// unless the settings say so, and never logged.
public struct SMTPTransport: EmailTransport {
    public let settings: SMTPSettings
    public let from: String
    public let timeout: Duration
    let logger: Logger

    public init(settings: SMTPSettings, from: String, timeout: Duration = .seconds(30), logger: Logger) {
        self.settings = settings
        self.from = settings.from ?? from
        self.timeout = timeout
        self.logger = logger
    }

    /// A plain-SMTP transport (a loopback relay or a test server).
    public init(host: String, port: Int, from: String, timeout: Duration = .seconds(30), logger: Logger) {
        self.init(settings: SMTPSettings(host: host, port: port, security: .none), from: from, timeout: timeout, logger: logger)
    }

    public var host: String { settings.host }
    public var port: Int { settings.port }

    /// A reply the conversation did not expect, or a server that cannot be used safely.
    public struct SMTPError: Error, CustomStringConvertible {
        public var stage: String
        public var code: Int
        public var text: String
        public var description: String { "SMTP \(stage) answered \(code) \(text)" }
    }

    public func send(_ email: QueuedEmail) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await converse(email) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SMTPError(stage: "timeout", code: 0, text: "no answer within \(timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The TLS context for this server: the system's trust roots, or those of `caFile`.
    func makeTLSContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile { configuration.trustRoots = .file(caFile) }
        return try NIOSSLContext(configuration: configuration)
    }

    /// A TLS handler that checks the server's certificate against its host name (or IP address).
    static func tlsHandler(_ context: NIOSSLContext, host: String) throws -> NIOSSLClientHandler {
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
    }

    private func converse(_ email: QueuedEmail) async throws {
        let tlsContext = settings.security == .none ? nil : try makeTLSContext()
        let implicitTLS = settings.security == .implicitTLS
        let host = settings.host
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS, let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler(tlsContext, host: host))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            /// Reads one reply (multi-line replies continue with "250-..." and end with "250 ..."); returns its lines.
            func expect(_ accepted: ClosedRange<Int>, at stage: String) async throws -> [String] {
                var code = 0, texts: [String] = []
                repeat {
                    guard let buffer = try await lines.next() else {
                        throw SMTPError(stage: stage, code: 0, text: "connection closed")
                    }
                    let line = String(buffer: buffer).trimmingCharacters(in: .newlines)
                    code = Int(line.prefix(3)) ?? 0
                    texts.append(String(line.dropFirst(4)))
                    if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { break }
                } while true
                guard accepted.contains(code) else { throw SMTPError(stage: stage, code: code, text: texts.last ?? "") }
                return texts
            }
            func say(_ line: String) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
            }
            _ = try await expect(220...220, at: "greeting")
            try await say("EHLO stripe-fulfillment")
            var capabilities = SMTPCapabilities(try await expect(250...250, at: "EHLO"))
            if settings.security == .startTLS {
                guard capabilities.startTLS else {
                    throw SMTPError(
                        stage: "STARTTLS", code: 0,
                        text: "the server offers no STARTTLS; refusing to send in the clear (EMAIL_URL ?tls=none allows it)")
                }
                try await say("STARTTLS")
                _ = try await expect(220...220, at: "STARTTLS")
                guard let tlsContext else { throw SMTPError(stage: "STARTTLS", code: 0, text: "no TLS context") }
                let handler = try Self.tlsHandler(tlsContext, host: host)
                try await channel.channel.eventLoop.submit {
                    try channel.channel.pipeline.syncOperations.addHandler(handler, position: .first)
                }.get()
                try await say("EHLO stripe-fulfillment")
                capabilities = SMTPCapabilities(try await expect(250...250, at: "EHLO after STARTTLS"))
            }
            if let username = settings.username {
                let password = settings.password ?? ""
                if capabilities.auth.contains("PLAIN") {
                    try await say("AUTH PLAIN " + Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString())
                    _ = try await expect(235...235, at: "AUTH PLAIN")
                } else if capabilities.auth.contains("LOGIN") {
                    try await say("AUTH LOGIN")
                    _ = try await expect(334...334, at: "AUTH LOGIN")
                    try await say(Data(username.utf8).base64EncodedString())
                    _ = try await expect(334...334, at: "AUTH LOGIN user")
                    try await say(Data(password.utf8).base64EncodedString())
                    _ = try await expect(235...235, at: "AUTH LOGIN password")
                } else {
                    throw SMTPError(stage: "AUTH", code: 0, text: "the server offers neither AUTH PLAIN nor LOGIN")
                }
            }
            try await say("MAIL FROM:<\(Self.address(from))>")
            _ = try await expect(250...250, at: "MAIL FROM")
            try await say("RCPT TO:<\(Self.address(email.email.recipient))>")
            _ = try await expect(250...251, at: "RCPT TO")
            try await say("DATA")
            _ = try await expect(354...354, at: "DATA")
            try await outbound.write(ByteBuffer(string: Self.dotStuffed(MessageFormat.render(email.email, from: from, date: email.createdAt))))
            try await say("\r\n.")
            _ = try await expect(250...250, at: "message")
            try await say("QUIT")
            _ = try? await expect(221...221, at: "QUIT")
        }
        logger.debug("email handed to SMTP", metadata: ["email.key": "\(email.email.dedupeKey)", "smtp.server": "\(settings)"])
    }

    /// A bare address, with anything that could break the command line removed.
    static func address(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { !"<>\r\n ".unicodeScalars.contains($0) }))
    }

    /// Lines starting with "." get another "." (RFC 5321 §4.5.2), so a body line "." cannot end DATA early.
    static func dotStuffed(_ message: String) -> String {
        let stuffed = message.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        return stuffed.hasPrefix(".") ? "." + stuffed : stuffed
    }
}

/// What a server's EHLO reply offers.
struct SMTPCapabilities {
    var startTLS = false
    /// AUTH mechanisms, uppercased.
    var auth: Set<String> = []

    init(_ lines: [String]) {
        for line in lines.dropFirst() {
            let words = line.uppercased().split(separator: " ").map(String.init)
            guard let keyword = words.first else { continue }
            if keyword == "STARTTLS" { startTLS = true }
            if keyword == "AUTH" || keyword.hasPrefix("AUTH=") {
                auth.formUnion(keyword == "AUTH" ? words.dropFirst() : [String(keyword.dropFirst(5))] + words.dropFirst())
            }
        }
    }
}
