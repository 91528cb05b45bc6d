import Foundation
#if canImport(Glibc)
import Glibc
#endif
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// The SMTP transport against a real SMTP server (aiosmtpd, writing a Maildir), started by the test.
@Suite(.serialized) struct SMTPTransportTests {
    /// A running aiosmtpd on a free loopback port, storing messages in a Maildir.
    final class SMTPServer: @unchecked Sendable {  // immutable after init; the process is only terminated in deinit
        let port: Int
        let maildir: URL
        private let process: Process

        init() throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let venv = root.appendingPathComponent(".venv/bin/python")
            let python = FileManager.default.isExecutableFile(atPath: venv.path) ? venv.path : "/usr/bin/env"
            maildir = FileManager.default.temporaryDirectory.appendingPathComponent("maildir-\(UUID().uuidString)")
            port = Int.random(in: 20_000...40_000)
            process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            let arguments = ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", maildir.path]
            process.arguments = python == "/usr/bin/env" ? ["python3"] + arguments : arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Waits until the server accepts a message (a probe, left out of `messages`).
        func ready() async throws {
            let probe = SMTPTransport(
                host: "127.0.0.1", port: port, from: "probe@example.com", timeout: .seconds(2), logger: ServiceHarness.logger())
            let email = OutboundEmail(dedupeKey: "probe", recipient: "probe@example.com", subject: "probe", body: "probe")
            // Up to a minute: Python's start can take many seconds while the parallel suite keeps both cores busy.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if (try? await probe.send(QueuedEmail(id: 0, email: email, attempts: 1, createdAt: Date()))) != nil { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw ServiceHarness.TimedOut(description: "aiosmtpd did not start (is it installed? scripts/test installs it)")
        }

        var messages: [String] {
            let folder = maildir.appendingPathComponent("new")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
                .filter { !$0.contains("From: probe@example.com") }
        }

        deinit {
            // aiosmtpd ignores SIGTERM while serving; SIGKILL ends it for sure.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func deliversAMessageWithHeadersAndAnIntactBody() async throws {
        let server = try SMTPServer()
        try await server.ready()
        let transport = SMTPTransport(host: "127.0.0.1", port: server.port, from: "shop@example.com", logger: ServiceHarness.logger())
        let body = "Hello Jenny,\n.\n..two dots\nCafé ☕ — €12.00\n"
        try await transport.send(
            QueuedEmail(
                id: 1, email: OutboundEmail(dedupeKey: "receipt:cs_test_1", recipient: "jenny@example.com", subject: "Your receipt\r\nBcc: evil@example.com", body: body),
                attempts: 1, createdAt: Date()))
        let messages = server.messages
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.contains("To: jenny@example.com"))
        #expect(message.contains("Subject: Your receiptBcc: evil@example.com"), "no header injection through a line break")
        #expect(!message.contains("\nBcc:"))
        #expect(message.contains("\n.\n") || message.contains("\r\n.\r\n"), "a lone dot line survives dot-stuffing")
        #expect(message.contains("..two dots"))
        #expect(message.contains("Café ☕ — €12.00"))
    }

    @Test func failsClearlyWhenNoServerAnswers() async throws {
        let transport = SMTPTransport(host: "127.0.0.1", port: 9, from: "shop@example.com", timeout: .seconds(5), logger: ServiceHarness.logger())
        await #expect(throws: (any Error).self) {
            try await transport.send(QueuedEmail(id: 1, email: OutboundEmail(dedupeKey: "k", recipient: "a@b.example", subject: "s", body: "b"), attempts: 1, createdAt: Date()))
        }
    }

    @Test func theOutboxSendsTheReceiptThroughSMTPOnce() async throws {
        let server = try SMTPServer()
        try await server.ready()
        let transport = SMTPTransport(host: "127.0.0.1", port: server.port, from: "shop@example.com", logger: ServiceHarness.logger())
        try await ServiceHarness.run(emailTransport: transport) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], email: "smtp-buyer@example.com", shipping: false)
            try await harness.pay(session)
            try await harness.eventually("delivered over SMTP") { server.messages.contains { $0.contains("smtp-buyer@example.com") } }
            try await harness.eventually("marked sent") { try await harness.store.outboxBacklog() == 0 }
            #expect(server.messages.filter { $0.contains(session.id) }.count == 1)
        }
    }
}
