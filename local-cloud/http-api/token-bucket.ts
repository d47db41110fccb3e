/**
 * API Gateway throttles with a token bucket: the bucket holds up to `burstLimit` tokens and refills
 * at `rateLimit` tokens a second; a request takes one token or is answered 429.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rateLimit: number,
    private readonly burstLimit: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burstLimit;
    this.updatedAt = now();
  }

  /** Takes a token if there is one. */
  tryTake(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burstLimit, this.tokens + ((now - this.updatedAt) / 1000) * this.rateLimit);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
