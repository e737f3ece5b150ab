import { openAIErrorBody } from '../../../judge-worker/http-fetch';
import { imageRefusal } from '../../../judge-worker/model';

describe('an endpoint refusing images', () => {
  test("the servers' own wordings are read as a refusal of images, other errors are not", () => {
    // vLLM, a text-only model sent an image_url part (vllm-project/vllm#23402, studio-dots-ai/dots.ocr#61).
    expect(imageRefusal(400, '400 facebook/opt-125m is not a multimodal model None')).toBe(true);
    // llama.cpp's server without a projector, answered as a 500 (ggml-org/llama.cpp#13566).
    expect(imageRefusal(500, '500 image input is not supported by this server')).toBe(true);
    expect(imageRefusal(500, 'The server was not compiled for multimodal or the model projector can\'t be loaded.')).toBe(true);
    // OpenAI's text-only chat models.
    expect(imageRefusal(400, '400 Invalid content type. image_url is only supported by certain models.')).toBe(true);
    expect(imageRefusal(400, 'This model does not support images')).toBe(true);
    // Not about images, or a status a retry may fix.
    expect(imageRefusal(400, "400 'messages' must contain the word 'json'")).toBe(false);
    expect(imageRefusal(429, 'image input is not supported')).toBe(false);
    expect(imageRefusal(500, 'Internal server error')).toBe(false);
  });

  test("vLLM's top-level error body is wrapped in OpenAI's shape; other bodies pass as they are", () => {
    const vllm = { object: 'error', message: 'm is not a multimodal model None', type: 'BadRequestError', param: null, code: 400 };
    expect(JSON.parse(openAIErrorBody(Buffer.from(JSON.stringify(vllm))).toString())).toEqual({ error: vllm });
    const openai = JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } });
    expect(openAIErrorBody(Buffer.from(openai)).toString()).toBe(openai);
    expect(openAIErrorBody(Buffer.from('Bad Gateway')).toString()).toBe('Bad Gateway');
    expect(openAIErrorBody(Buffer.from('{"detail":"nope"}')).toString()).toBe('{"detail":"nope"}');
  });
});
