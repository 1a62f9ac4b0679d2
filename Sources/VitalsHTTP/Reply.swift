import HTTPTypes
import Hummingbird
import NIOCore

/// A response built from buffers, so that `HEAD` can answer the same headers and
/// length as `GET` without a body.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var buffers: [ByteBuffer]

    init(status: HTTPResponse.Status, headers: HTTPFields, buffers: [ByteBuffer]) {
        self.status = status
        self.headers = headers
        self.buffers = buffers
    }

    /// A plain-text reply.
    init(_ status: HTTPResponse.Status, text: String) {
        self.init(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            buffers: [ByteBuffer(string: text)]
        )
    }

    func response(for method: HTTPRequest.Method) -> Response {
        var headers = self.headers
        let length = buffers.reduce(0) { $0 + $1.readableBytes }
        headers[.contentLength] = String(length)
        let body = method == .head ? ResponseBody() : ResponseBody(contentsOf: buffers)
        return Response(status: status, headers: headers, body: body)
    }
}
