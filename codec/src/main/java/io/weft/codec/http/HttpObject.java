package io.weft.codec.http;

/**
 * A piece of an HTTP/1.x exchange as it travels through a pipeline: the head of a message
 * ({@link HttpRequest}, {@link HttpResponse}), a part of its body ({@link HttpContent}), the end of it
 * ({@link LastHttpContent}), or a whole message ({@link FullHttpRequest}, {@link FullHttpResponse}).
 */
public interface HttpObject {
}
