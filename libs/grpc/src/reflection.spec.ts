import { status as Status } from '@grpc/grpc-js';
import { FileDescriptorProto, FileDescriptorSet } from 'protobufjs/ext/descriptor';
import { answerReflection, indexDescriptorSet } from './reflection';

// A hand-made set: b.proto imports a.proto, nests a message and an enum, and extends a.proto's message (proto2).
const aProto = {
  name: 'demo/a.proto',
  package: 'demo',
  messageType: [{ name: 'Base', extensionRange: [{ start: 100, end: 200 }] }],
  syntax: 'proto2',
};
const bProto = {
  name: 'demo/b.proto',
  package: 'demo.sub',
  dependency: ['demo/a.proto'],
  messageType: [
    {
      name: 'Outer',
      field: [{ name: 'inner', number: 1, type: 11, typeName: '.demo.sub.Outer.Inner' }],
      oneofDecl: [{ name: 'choice' }],
      nestedType: [{ name: 'Inner' }],
      enumType: [{ name: 'Kind', value: [{ name: 'KIND_UNSPECIFIED', number: 0 }] }],
      extension: [{ name: 'nested_ext', number: 101, extendee: '.demo.Base', type: 9 }],
    },
  ],
  extension: [{ name: 'top_ext', number: 100, extendee: '.demo.Base', type: 5 }],
  service: [{ name: 'Things', method: [{ name: 'Get', inputType: '.demo.sub.Outer', outputType: '.demo.sub.Outer' }] }],
  syntax: 'proto2',
};
const setBytes = FileDescriptorSet.encode(FileDescriptorSet.fromObject({ file: [aProto, bProto] })).finish();
const index = indexDescriptorSet(setBytes);
const names = (files: Uint8Array[] | undefined) =>
  (files ?? []).map((bytes) => (FileDescriptorProto.decode(bytes) as unknown as { name: string }).name);

describe('indexDescriptorSet', () => {
  it('keeps each file with its imports, bytes equal to the encoded file', () => {
    expect([...index.files.keys()]).toEqual(['demo/a.proto', 'demo/b.proto']);
    expect(index.files.get('demo/b.proto')?.dependencies).toEqual(['demo/a.proto']);
    const encodedA = FileDescriptorProto.encode(FileDescriptorProto.fromObject(aProto)).finish();
    expect(Buffer.from(index.files.get('demo/a.proto')!.bytes)).toEqual(Buffer.from(encodedA));
  });

  it('maps every fully-qualified symbol to its file, enum values scoped beside their enum', () => {
    expect(Object.fromEntries(index.symbols)).toEqual({
      'demo.Base': 'demo/a.proto',
      'demo.sub.Outer': 'demo/b.proto',
      'demo.sub.Outer.inner': 'demo/b.proto',
      'demo.sub.Outer.choice': 'demo/b.proto',
      'demo.sub.Outer.Inner': 'demo/b.proto',
      'demo.sub.Outer.Kind': 'demo/b.proto',
      'demo.sub.Outer.KIND_UNSPECIFIED': 'demo/b.proto',
      'demo.sub.Outer.nested_ext': 'demo/b.proto',
      'demo.sub.top_ext': 'demo/b.proto',
      'demo.sub.Things': 'demo/b.proto',
      'demo.sub.Things.Get': 'demo/b.proto',
    });
    expect([...index.messages].sort()).toEqual(['demo.Base', 'demo.sub.Outer', 'demo.sub.Outer.Inner']);
  });
});

describe('answerReflection', () => {
  const answer = (request: Parameters<typeof answerReflection>[2]) => answerReflection(index, ['demo.sub.Things'], request);

  it('answers a symbol with its file first and then the imports', () => {
    const response = answer({ messageRequest: 'fileContainingSymbol', fileContainingSymbol: 'demo.sub.Things.Get' });
    expect(names(response.fileDescriptorResponse?.fileDescriptorProto)).toEqual(['demo/b.proto', 'demo/a.proto']);
  });

  it('finds extensions by extendee and number, and lists the numbers of a type', () => {
    const found = answer({
      messageRequest: 'fileContainingExtension',
      fileContainingExtension: { containingType: 'demo.Base', extensionNumber: 101 },
    });
    expect(names(found.fileDescriptorResponse?.fileDescriptorProto)).toEqual(['demo/b.proto', 'demo/a.proto']);
    const missing = answer({
      messageRequest: 'fileContainingExtension',
      fileContainingExtension: { containingType: 'demo.Base', extensionNumber: 102 },
    });
    expect(missing.errorResponse?.errorCode).toBe(Status.NOT_FOUND);
    const numbers = answer({ messageRequest: 'allExtensionNumbersOfType', allExtensionNumbersOfType: 'demo.Base' });
    expect(numbers.allExtensionNumbersResponse).toEqual({ baseTypeName: 'demo.Base', extensionNumber: [100, 101] });
  });

  it('lists the given services and rejects a request that sets nothing', () => {
    expect(answer({ messageRequest: 'listServices', listServices: '' }).listServicesResponse).toEqual({
      service: [{ name: 'demo.sub.Things' }],
    });
    expect(answer({ host: 'h' })).toMatchObject({ validHost: 'h', errorResponse: { errorCode: Status.INVALID_ARGUMENT } });
  });
});
