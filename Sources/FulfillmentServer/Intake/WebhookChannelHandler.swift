import Foundation
import FulfillmentCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// `POST /webhook`, served in the channel pipeline ahead of the router (`WebhookHTTP1Channel` places it right
/// after the HTTP/1 decoder): the body is collected with its size
/// limit, `WebhookIntake` admits or refuses it on the event loop, and an admitted event goes to the
/// `InboxWriter`; the 200 is written once the transaction holding the event has committed (a storage
/// failure is a 503, so Stripe retries). Every other request passes through to the application unchanged.
///
/// Why not a route: webhook intake is the one endpoint built for volume, and Hummingbird's per-request
/// async machinery (the request-part stream, the router, the response writer) cost more than everything
/// the intake itself does. Here the whole request is handled with no task, no actor hop and one copy of the body.
///
/// Responses leave in request order: a webhook waits while the application still owes a response on this
/// connection, and anything that arrives while an event is being stored waits (reads pause) until its answer
/// has been written.
final class WebhookChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let path = "/webhook"
    /// How much of an oversized body is read and dropped after the 413, before the connection is simply closed.
    static let maximumDiscardedBytes = 1 << 20

    private enum State {
        /// Between requests.
        case idle
        /// The application is receiving a request's body.
        case forwarding
        /// A webhook's body is arriving.
        case collecting(Exchange, body: ByteBuffer?)
        /// A webhook's event is being stored; its answer is not yet written.
        case storing(Exchange)
        /// A 413 was written; the rest of the body is read and dropped, then the connection is closed.
        case discarding(remaining: Int)
    }

    /// What the answer to a webhook needs from its request.
    private struct Exchange {
        var signature: String?
        /// The sender's W3C trace context, if it sent one.
        var traceParent: String?
        var version: HTTPVersion
        var keepAlive: Bool
    }

    private let intake: WebhookIntake
    private let writer: InboxWriter
    private var state = State.idle
    /// Requests passed to the application whose response has not ended yet.
    private var responsesOwed = 0
    /// Parts that arrived while they had to wait for an earlier answer.
    private var waiting = CircularBuffer<HTTPServerRequestPart>()
    private var readHeld = false
    private var quiescing = false

    init(intake: WebhookIntake, writer: InboxWriter) {
        self.intake = intake
        self.writer = writer
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if waiting.isEmpty && canProcess(part) {
            process(part, context: context)
        } else {
            waiting.append(part)
        }
    }

    func read(context: ChannelHandlerContext) {
        if waiting.isEmpty {
            context.read()
        } else {
            readHeld = true  // backpressure: read no more until the parts already here have been served
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            switch state {
            case .collecting, .storing:
                // Graceful shutdown: close once this webhook's answer is written, not before. The router's
                // connection handler never saw this request and would think the connection idle.
                quiescing = true
                return
            default: break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func canProcess(_ part: HTTPServerRequestPart) -> Bool {
        switch (state, part) {
        case (.storing, _): false
        case (.idle, .head(let head)): !(Self.isWebhook(head) && responsesOwed > 0)
        default: true
        }
    }

    private static func isWebhook(_ head: HTTPRequestHead) -> Bool {
        head.method == .POST && (head.uri == Self.path || head.uri.hasPrefix(Self.path + "?"))
    }

    private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            guard Self.isWebhook(head) else {
                responsesOwed += 1
                state = .forwarding
                context.fireChannelRead(wrapInboundOut(part))
                return
            }
            let exchange = Exchange(
                signature: head.headers.first(name: "Stripe-Signature"), traceParent: head.headers.first(name: "traceparent"),
                version: head.version, keepAlive: head.isKeepAlive)
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > intake.maximumBytes {
                refuseOversized(exchange, context: context)
                return
            }
            state = .collecting(exchange, body: nil)
        case (.forwarding, .body), (.forwarding, .end):
            if case .end = part { state = .idle }
            context.fireChannelRead(wrapInboundOut(part))
        case (.collecting(let exchange, var body), .body(var chunk)):
            let size = (body?.readableBytes ?? 0) + chunk.readableBytes
            guard size <= intake.maximumBytes else {
                refuseOversized(exchange, context: context)
                return
            }
            state = .idle  // drop the reference to `body` so appending to it does not copy
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
            state = .collecting(exchange, body: body)
        case (.collecting(let exchange, let body), .end):
            state = .storing(exchange)
            admit(body: body, exchange: exchange, context: context)
        case (.discarding(let remaining), .body(let chunk)):
            if chunk.readableBytes > remaining {
                context.close(promise: nil)
            } else {
                state = .discarding(remaining: remaining - chunk.readableBytes)
            }
        case (.discarding, .end):
            context.close(promise: nil)
        case (.discarding, .head):
            break  // a pipelined request after a refused body: the connection is closing
        default:
            // A part out of place (the HTTP decoder does not produce these); end the connection rather than guess.
            context.close(promise: nil)
        }
    }

    private func admit(body: ByteBuffer?, exchange: Exchange, context: ChannelHandlerContext) {
        let bytes = body.map { $0.getData(at: $0.readerIndex, length: $0.readableBytes)! } ?? Data()
        let span = WebhookSpan(continuing: exchange.traceParent)
        switch intake.admit(body: bytes, signatureHeader: exchange.signature) {
        case .failure(let refusal):
            span.end(status: Int(refusal.status.code), outcome: "refused")
            answer(refusal.status, WebhookAcknowledgement.error(refusal.message), context: context)
        case .success(var event):
            span.admitted(event)
            event.traceParent = span.traceParent
            let promise = context.eventLoop.makePromise(of: InboxInsertOutcome.self)
            writer.insert(event) { promise.completeWith($0) }
            promise.futureResult.assumeIsolated().whenComplete { [intake] result in
                let status: HTTPResponseStatus, body: ByteBuffer
                switch result {
                case .success(let outcome):
                    intake.stored(event, outcome)
                    span.end(status: 200, outcome: outcome == .duplicate ? "duplicate" : event.status == .ignored ? "ignored" : "stored")
                    status = .ok
                    body = WebhookAcknowledgement.body(duplicate: outcome == .duplicate, ignored: event.status == .ignored)
                case .failure(let error):
                    intake.storageFailed(event, error)
                    span.end(status: 503, outcome: "not stored")
                    status = .serviceUnavailable
                    body = WebhookAcknowledgement.error("The event could not be stored; please retry.")
                }
                // If the sender hung up meanwhile, there is no one to answer; a stored event stays stored.
                if context.channel.isActive { self.answer(status, body, context: context) }
            }
        }
    }

    private func refuseOversized(_ exchange: Exchange, context: ChannelHandlerContext) {
        let refusal = intake.refuse(.tooLarge(intake.maximumBytes))
        state = .discarding(remaining: Self.maximumDiscardedBytes)
        write(refusal.status, WebhookAcknowledgement.error(refusal.message), version: exchange.version, close: true, context: context)
    }

    // MARK: Outbound

    /// Writes a webhook's answer, then serves whatever waited for it.
    private func answer(_ status: HTTPResponseStatus, _ body: ByteBuffer, context: ChannelHandlerContext) {
        guard case .storing(let exchange) = state else { return }
        state = .idle
        let close = !exchange.keepAlive || quiescing
        write(status, body, version: exchange.version, close: close, context: context)
        if close {
            context.close(promise: nil)
        } else {
            serveWaiting(context: context)
        }
    }

    private func write(_ status: HTTPResponseStatus, _ body: ByteBuffer, version: HTTPVersion, close: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes))])
        if close { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            responsesOwed -= 1
            if responsesOwed == 0 && !waiting.isEmpty {
                // Not from inside the application's write: serve the waiting webhook on the next loop tick.
                context.eventLoop.assumeIsolated().execute { self.serveWaiting(context: context) }
            }
        }
    }

    private func serveWaiting(context: ChannelHandlerContext) {
        var forwarded = false
        while let part = waiting.first, canProcess(part) {
            waiting.removeFirst()
            if case .forwarding = state { forwarded = true }
            process(part, context: context)
            if case .forwarding = state { forwarded = true }
        }
        // The application reads what it was given when a read completes: these parts came after the network's
        // own read-complete, so they need one of their own.
        if forwarded { context.fireChannelReadComplete() }
        if waiting.isEmpty && readHeld {
            readHeld = false
            context.read()
        }
    }
}
