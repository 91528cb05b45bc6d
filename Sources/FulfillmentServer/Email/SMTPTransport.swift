public import FulfillmentCore
import Foundation
public import Logging
import NIOCore
import NIOExtras
import NIOPosix

/// Sends each email to an SMTP server: EHLO, MAIL FROM, RCPT TO, DATA (dot-stuffed), QUIT, one connection
/// per email. Hand-written on SwiftNIO because no Swift SMTP package is available here; it speaks plain
/// SMTP (a local relay or a loopback test server), without STARTTLS or AUTH.
public struct SMTPTransport: EmailTransport {
    public let host: String
    public let port: Int
    public let from: String
    public let timeout: Duration
    let logger: Logger

    public init(host: String, port: Int, from: String, timeout: Duration = .seconds(30), logger: Logger) {
        self.host = host
        self.port = port
        self.from = from
        self.timeout = timeout
        self.logger = logger
    }

    /// A reply the conversation did not expect.
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

    private func converse(_ email: QueuedEmail) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func expect(_ accepted: ClosedRange<Int>, at stage: String) async throws {
                var code = 0, text = ""
                // Multi-line replies continue with "250-..." and end with "250 ...".
                repeat {
                    guard let buffer = try await lines.next() else {
                        throw SMTPError(stage: stage, code: 0, text: "connection closed")
                    }
                    let line = String(buffer: buffer).trimmingCharacters(in: .newlines)
                    code = Int(line.prefix(3)) ?? 0
                    text = String(line.dropFirst(4))
                    if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { break }
                } while true
                guard accepted.contains(code) else { throw SMTPError(stage: stage, code: code, text: text) }
            }
            func say(_ line: String) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
            }
            try await expect(220...220, at: "greeting")
            try await say("EHLO stripe-fulfillment")
            try await expect(250...250, at: "EHLO")
            try await say("MAIL FROM:<\(Self.address(from))>")
            try await expect(250...250, at: "MAIL FROM")
            try await say("RCPT TO:<\(Self.address(email.email.recipient))>")
            try await expect(250...251, at: "RCPT TO")
            try await say("DATA")
            try await expect(354...354, at: "DATA")
            try await outbound.write(ByteBuffer(string: Self.dotStuffed(MessageFormat.render(email.email, from: from, date: email.createdAt))))
            try await say("\r\n.")
            try await expect(250...250, at: "message")
            try await say("QUIT")
            try? await expect(221...221, at: "QUIT")
        }
        logger.debug("email handed to SMTP", metadata: ["email.key": "\(email.email.dedupeKey)", "smtp.host": "\(host)"])
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
