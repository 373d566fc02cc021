package io.opsflow.build.expr;

/**
 * An expression that cannot be parsed or evaluated.
 *
 * <p>{@link #position()} is the 0-based offset in the expression text where the problem is (the
 * caller maps it to a line and column of the file), or -1 when it is the expression as a whole.
 */
public final class ExprException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int position;

  public ExprException(String message, int position) {
    super(message);
    this.position = position;
  }

  public int position() {
    return position;
  }

  /** The same problem at {@code offset + position} (an expression inside a larger text). */
  public ExprException shifted(int offset) {
    return new ExprException(getMessage(), position < 0 ? offset : offset + position);
  }
}
