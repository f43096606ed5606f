package io.weft.examples.filetransfer;

import io.weft.codec.DecoderException;

/**
 * A client named a file that the {@link FileTransferServer} refuses: empty, longer than 200 bytes, {@code .} or
 * {@code ..}, or containing a path separator or a control character ({@code /}, {@code ../x}, {@code a\b}).
 * Only plain names are accepted, so a client can never write outside the server's directory. The connection is
 * answered {@code BAD ...} and closed.
 */
public class InvalidFileNameException extends DecoderException {

    private static final long serialVersionUID = 1L;

    /** @param message which name and why */
    public InvalidFileNameException(String message) {
        super(message);
    }
}
