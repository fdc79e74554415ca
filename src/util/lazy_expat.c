/* expat, opened on the first call (util/lazylib.h): it parses the XML parts of XLSX
 * imports. The functions the program calls, nothing else. */
#include <expat.h>

#include "util/lazylib.h"

#define EXPAT_FUNCTIONS(F, V)                                                              \
    F(const XML_LChar *, XML_ErrorString, (enum XML_Error code), (code))                   \
    F(void *, XML_GetBuffer, (XML_Parser p, int len), (p, len))                            \
    F(XML_Size, XML_GetCurrentLineNumber, (XML_Parser p), (p))                             \
    F(enum XML_Error, XML_GetErrorCode, (XML_Parser p), (p))                               \
    F(enum XML_Status, XML_ParseBuffer, (XML_Parser p, int len, int final), (p, len, final)) \
    F(XML_Parser, XML_ParserCreate, (const XML_Char *encoding), (encoding))                \
    V(XML_ParserFree, (XML_Parser p), (p))                                                 \
    F(enum XML_Status, XML_ResumeParser, (XML_Parser p), (p))                              \
    V(XML_SetCharacterDataHandler, (XML_Parser p, XML_CharacterDataHandler h), (p, h))     \
    V(XML_SetElementHandler, (XML_Parser p, XML_StartElementHandler s, XML_EndElementHandler e), \
      (p, s, e))                                                                           \
    V(XML_SetStartDoctypeDeclHandler, (XML_Parser p, XML_StartDoctypeDeclHandler h), (p, h)) \
    V(XML_SetUserData, (XML_Parser p, void *data), (p, data))                              \
    F(enum XML_Status, XML_StopParser, (XML_Parser p, XML_Bool resumable), (p, resumable))

LAZYLIB_DEFINE("libexpat.so.1", EXPAT_FUNCTIONS)
