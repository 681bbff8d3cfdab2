'use strict'
// Read YAML texts (a JSON list on standard input) with js-yaml's load(), as Hexo reads
// front matter; write what each holds, or why it could not be read, as a JSON list.
const yaml = require('js-yaml')

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => { input += chunk })
process.stdin.on('end', () => {
  const results = JSON.parse(input).map((text) => {
    try {
      return { data: yaml.load(text) }
    } catch (error) {
      return { error: String(error.message) }
    }
  })
  process.stdout.write(JSON.stringify(results))
})
